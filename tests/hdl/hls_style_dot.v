// Hand-written stand-ins for HLS-exported io_parallel tops, for testing tb/hls_parallel.py where no
// Vivado/Vitis HLS exists. They follow the conventions of the RTL those tools export (they are not
// tool output):
//
//   * block protocol ap_ctrl_hs: ap_clk, ap_rst (synchronous, active high), ap_start in; ap_done,
//     ap_idle, ap_ready out. ap_start must stay high, with the inputs stable, until ap_ready;
//   * non-ANSI port declarations, one per line, as HLS writes them;
//   * hls_style_dot is what Vitis HLS exports for an hls4ml 1.3.0 io_parallel model: the input array
//     is ARRAY_RESHAPEd into one packed port (element 0 in the low bits) with an ap_vld input, the
//     output array is ARRAY_PARTITIONed into one port per element, each with its own ap_vld;
//   * hls_style_dot_ap_none is the Vivado HLS naming (`_V` suffix) of a conifer xilinxhls top: one
//     port per input element with no valid (ap_none), one ap_vld port per output element.
//
// The function is a 4-input, 2-output dense layer (two dot products plus bias) on 8-bit signed
// inputs, with 16-bit signed outputs:
//   out0 =  3*x0 - 5*x1 + 7*x2 - 2*x3 + 100
//   out1 = -8*x0 +   x1 + 4*x2 + 6*x3 -  37
// scheduled as an HLS function pipeline with II 2 and latency 3: the input is read in cycle 0
// (stage 0 of the first II window), ap_ready rises in cycle 1 (the window's last stage, so the
// next ap_start is taken in cycle 2), and the results, their ap_vld and ap_done appear in cycle 3.

`timescale 1 ns / 1 ps

module hls_style_dot (
        ap_clk,
        ap_rst,
        ap_start,
        ap_done,
        ap_idle,
        ap_ready,
        input_1_ap_vld,
        input_1,
        layer5_out_0,
        layer5_out_0_ap_vld,
        layer5_out_1,
        layer5_out_1_ap_vld
);

parameter    ap_ST_fsm_pp0_stage0 = 2'd1;
parameter    ap_ST_fsm_pp0_stage1 = 2'd2;

input   ap_clk;
input   ap_rst;
input   ap_start;
output   ap_done;
output   ap_idle;
output   ap_ready;
input   input_1_ap_vld;
input  [31:0] input_1;
output  [15:0] layer5_out_0;
output   layer5_out_0_ap_vld;
output  [15:0] layer5_out_1;
output   layer5_out_1_ap_vld;

reg   [1:0] ap_CS_fsm;
wire    ap_CS_fsm_pp0_stage0 = ap_CS_fsm[0];
wire    ap_CS_fsm_pp0_stage1 = ap_CS_fsm[1];
// An input is read when the pipeline is at stage 0 and both ap_start and its ap_vld are high.
wire    ap_enable_pp0_iter0 = ap_CS_fsm_pp0_stage0 & ap_start & input_1_ap_vld;
reg    ap_enable_reg_pp0_iter0;   // the input read in the last stage 0 is now in stage 1 (cycle 1)
reg    ap_enable_reg_pp0_iter1;   // an input is in its second II window (cycles 2 and 3)

always @ (posedge ap_clk) begin
    if (ap_rst == 1'b1) begin
        ap_CS_fsm <= ap_ST_fsm_pp0_stage0;
        ap_enable_reg_pp0_iter0 <= 1'b0;
        ap_enable_reg_pp0_iter1 <= 1'b0;
    end else if (ap_CS_fsm_pp0_stage0 == 1'b1) begin
        ap_enable_reg_pp0_iter0 <= ap_enable_pp0_iter0;
        if (ap_enable_pp0_iter0 | ap_enable_reg_pp0_iter1) begin
            ap_CS_fsm <= ap_ST_fsm_pp0_stage1;
        end
    end else begin
        ap_enable_reg_pp0_iter1 <= ap_enable_reg_pp0_iter0;
        ap_enable_reg_pp0_iter0 <= 1'b0;
        ap_CS_fsm <= ap_ST_fsm_pp0_stage0;
    end
end

reg  signed [7:0] x_0_reg;
reg  signed [7:0] x_1_reg;
reg  signed [7:0] x_2_reg;
reg  signed [7:0] x_3_reg;
reg  signed [12:0] mul_0_0;
reg  signed [12:0] mul_0_1;
reg  signed [12:0] mul_0_2;
reg  signed [12:0] mul_0_3;
reg  signed [12:0] mul_1_0;
reg  signed [12:0] mul_1_1;
reg  signed [12:0] mul_1_2;
reg  signed [12:0] mul_1_3;
reg  signed [14:0] add_0_lo;
reg  signed [14:0] add_0_hi;
reg  signed [14:0] add_1_lo;
reg  signed [14:0] add_1_hi;

always @ (posedge ap_clk) begin
    if (ap_enable_pp0_iter0 == 1'b1) begin                               // cycle 0: read
        {x_3_reg, x_2_reg, x_1_reg, x_0_reg} <= input_1;
    end
    if ((ap_CS_fsm_pp0_stage1 & ap_enable_reg_pp0_iter0) == 1'b1) begin  // cycle 1: multiply
        mul_0_0 <= x_0_reg * 13'sd3;
        mul_0_1 <= x_1_reg * -13'sd5;
        mul_0_2 <= x_2_reg * 13'sd7;
        mul_0_3 <= x_3_reg * -13'sd2;
        mul_1_0 <= x_0_reg * -13'sd8;
        mul_1_1 <= x_1_reg * 13'sd1;
        mul_1_2 <= x_2_reg * 13'sd4;
        mul_1_3 <= x_3_reg * 13'sd6;
    end
    if ((ap_CS_fsm_pp0_stage0 & ap_enable_reg_pp0_iter1) == 1'b1) begin  // cycle 2: partial sums
        add_0_lo <= mul_0_0 + mul_0_1;
        add_0_hi <= mul_0_2 + mul_0_3;
        add_1_lo <= mul_1_0 + mul_1_1;
        add_1_hi <= mul_1_2 + mul_1_3;
    end
end

// cycle 3: final sums, written with their ap_vld; the block is done with this input.
wire    ap_write_pp0_iter1 = ap_CS_fsm_pp0_stage1 & ap_enable_reg_pp0_iter1;
wire signed [15:0] sum_0 = add_0_lo + add_0_hi + 16'sd100;
wire signed [15:0] sum_1 = add_1_lo + add_1_hi - 16'sd37;

assign layer5_out_0 = sum_0;
assign layer5_out_1 = sum_1;
assign layer5_out_0_ap_vld = ap_write_pp0_iter1;
assign layer5_out_1_ap_vld = ap_write_pp0_iter1;
assign ap_done = ap_write_pp0_iter1;
assign ap_ready = ap_CS_fsm_pp0_stage1 & ap_enable_reg_pp0_iter0;
assign ap_idle = ~ap_start & ap_CS_fsm_pp0_stage0 & ~ap_enable_reg_pp0_iter1;

endmodule


module hls_style_dot_ap_none (
        ap_clk,
        ap_rst,
        ap_start,
        ap_done,
        ap_idle,
        ap_ready,
        x_0_V,
        x_1_V,
        x_2_V,
        x_3_V,
        score_0_V,
        score_0_V_ap_vld,
        score_1_V,
        score_1_V_ap_vld
);

input   ap_clk;
input   ap_rst;
input   ap_start;
output   ap_done;
output   ap_idle;
output   ap_ready;
input  [7:0] x_0_V;
input  [7:0] x_1_V;
input  [7:0] x_2_V;
input  [7:0] x_3_V;
output  [15:0] score_0_V;
output   score_0_V_ap_vld;
output  [15:0] score_1_V;
output   score_1_V_ap_vld;

// ap_none inputs carry no valid: the block reads them whenever ap_start is high.
hls_style_dot core (
    .ap_clk(ap_clk),
    .ap_rst(ap_rst),
    .ap_start(ap_start),
    .ap_done(ap_done),
    .ap_idle(ap_idle),
    .ap_ready(ap_ready),
    .input_1_ap_vld(1'b1),
    .input_1({x_3_V, x_2_V, x_1_V, x_0_V}),
    .layer5_out_0(score_0_V),
    .layer5_out_0_ap_vld(score_0_V_ap_vld),
    .layer5_out_1(score_1_V),
    .layer5_out_1_ap_vld(score_1_V_ap_vld)
);

endmodule
