// Calls and the stack: `main(n)` computes fib(n) recursively.
%stack_size = 65536
pub @main:
    sp = sp - 8
    u32 [sp] = ra
    ra = @back
    jump @fib
@back:
    ra = i32 [sp]
    sp = sp + 8
    ret

// fib(a0) -> a0
@fib:
    jump @small if a0 <u 2
    sp = sp - 24
    u32 [sp] = ra
    u32 [sp + 8] = s0
    s0 = a0
    a0 = a0 - 1
    ra = @after_first
    jump @fib
@after_first:
    u32 [sp + 16] = a0
    a0 = s0 - 2
    ra = @after_second
    jump @fib
@after_second:
    a1 = i32 [sp + 16]
    a0 = a0 + a1
    s0 = i32 [sp + 8]
    ra = i32 [sp]
    sp = sp + 24
    ret
@small:
    ret
