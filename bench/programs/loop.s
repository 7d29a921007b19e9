// Arithmetic and branches: `main(n)` runs an integer mixing loop n times.
pub @main:
    a1 = 0
    a2 = 0x12345
@loop:
    a1 = a1 + a0
    a2 = a2 ^ a1
    a3 = a2 << 3
    a2 = a2 + a3
    a3 = a1 >> 2
    a1 = a1 - a3
    a0 = a0 - 1
    jump @loop if a0 != 0
    a0 = a1 + a2
    ret
