package rdsup.stuck

# uuid.rfc4122 stands in for a built-in that never checks for cancellation
# (the test replaces it with one that blocks)
warn contains msg if msg := uuid.rfc4122(input.step.id)
