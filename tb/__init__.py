"""cocotb testbenches. They import from `harness` (the comparison code) but are run by the simulator."""
