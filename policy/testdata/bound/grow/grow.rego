package rdsup.grow

# collects 10^9 strings: tens of GB
labels := [sprintf("label-%d", [i]) | some i in numbers.range(1, 1000000000)]

warn contains "many labels" if count(labels) > 10
