// Loads and stores: `main(passes)` fills a 256 KiB array and sums it, `passes` times.
%rw_data_size = 262144
pub @main:
@pass:
    a1 = 0x20000
    a2 = 0x60000
@fill:
    u32 [a1] = a0
    u32 [a1 + 4] = a1
    a1 = a1 + 8
    jump @fill if a1 <u a2
    a1 = 0x20000
    a3 = 0
@sum:
    a4 = i32 [a1]
    a3 = a3 + a4
    a4 = i32 [a1 + 4]
    a3 = a3 ^ a4
    a1 = a1 + 8
    jump @sum if a1 <u a2
    a0 = a0 - 1
    jump @pass if a0 != 0
    a0 = a3
    ret
