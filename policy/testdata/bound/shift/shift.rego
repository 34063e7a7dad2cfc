package rdsup.shift

warn contains "big" if bits.lsh(1, 100000000000) > 0
