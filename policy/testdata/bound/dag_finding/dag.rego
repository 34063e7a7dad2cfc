package rdsup.dag

kb := concat("", [s | some _ in numbers.range(1, 64); s := "0123456789abcdef"])

# a million kilobytes in 1000 + 1000 pointers: a GB once written out
kbs := [kb | some _ in numbers.range(1, 1000)]

many := [kbs | some _ in numbers.range(1, 1000)]

deny contains {"msg": "too many", "detail": many} if input.step.role == "primary"
