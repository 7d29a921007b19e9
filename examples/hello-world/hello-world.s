// A minimal guest for the polkavm CLI: `add_numbers(a, b)` greets the host through the
// `ext_stdout(pointer, length)` import, then returns a + b.
//
// Build:  polkavm asm examples/hello-world/hello-world.s -o examples/hello-world/hello-world.polkavm
// Run:    polkavm run examples/hello-world/hello-world.polkavm --export add_numbers --args 1,10

%isa = latest64
%ro_data = 48656c6c6f2c20776f726c64210a   // "Hello, world!\n", placed at 0x10000
%import ext_stdout

pub @add_numbers:
    t0 = a0 + a1        // t0 survives the host call: host functions only write a0 and a1
    a0 = 0x10000        // pointer to the greeting
    a1 = 14             // its length
    ecalli @ext_stdout
    a0 = t0
    ret
