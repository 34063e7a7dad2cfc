package rdsup.huge

kb := concat("", [s | some _ in numbers.range(1, 64); s := "0123456789abcdef"])

mb := concat("", [kb | some _ in numbers.range(1, 1000)])

# 1000 times a MB, then 1000 times that: a terabyte
gb := concat("", [mb | some _ in numbers.range(1, 1000)])

tb := concat("", [gb | some _ in numbers.range(1, 1000)])

deny contains "huge" if count(tb) == 0
