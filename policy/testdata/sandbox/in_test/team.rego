package rdsup.team

deny contains "x" if input.step.id == "nope"
