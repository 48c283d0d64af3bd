"""`harness cosim`: RTL that Vivado HLS / Vitis HLS exported, co-simulated on Verilator without Vivado.

A user arrives with an hls4ml (or conifer xilinxhls) project that a vendor HLS tool already synthesised.
This job finds, under PROJECT_DIR:

* the exported Verilog: `<prj>/solution*/syn/verilog`, else `impl/verilog`, else the one folder holding
  `.v` files (`sim/` folders, which hold the vendor's own testbench, last), with its `.dat` ROM files;
* the top: `--top`, else hls4ml's ProjectName / the HLS project's top (`harness.hls.tops`'
  hints), else the one `ap_ctrl_hs` module no other module instantiates;
* the reference vectors: hls4ml's `tb_data/tb_input_features.dat` (float features) and
  `tb_data/csim_results.log` (the C simulation's outputs, as `ap_fixed` prints them), or `--inputs` /
  `--expected` files of the same shape (one vector a line, values separated by spaces or commas);
* the precisions: `--input-precision` / `--output-precision`, else the `input_t` and `result_t`
  (hls4ml `defines.h`) or `score_t` (conifer `parameters.h`) typedefs, else `hls4ml_config.yml`'s
  model precision, else hls4ml's default `ap_fixed<16,6>`.

Inputs become integer codes exactly as hls4ml's C testbench makes them (read as `float`, then converted
to the input type with its rounding and overflow modes). Expected outputs become the nearest code of the
output type; a printed value more than a quarter LSB from every code (a wrong precision, or too few
printed digits: `ap_fixed` prints 6 significant digits) is refused, naming row and column. The RTL then
runs with `tb.hls_parallel` (`harness.hls.ports.simulate_hls_top`), every output word is compared as
an integer, and the result is written as `metrics.json` in the shape `harness evaluate` writes.

Every refusal (`CosimError`) happens before Verilator builds anything.

The package, by concern: `verilog` (finding the exported Verilog, its top and the top's port sides),
`precision` (the port types and the clock, from the flags or the project's headers and configuration),
`vectors` (the reference files read into codes), `job` (`prepare`: all of these checked into a
`CosimJob`), `record` (`run`: the simulation and its `metrics.json`). `types` holds what they share
(`CosimError`, `Precision`, `Side`).
"""
