// A hand-written stand-in for a Vivado HLS 2018-2020 export with packed ports and a ROM, for testing
// `harness cosim` where no Vivado HLS exists. It follows the conventions of that tool's RTL (it is not
// tool output):
//
//   * Vivado HLS naming: data ports carry the `_V` suffix; the input array is ARRAY_RESHAPEd into one
//     packed ap_vld port `x_V` (element 0 in the low bits), the output array too (`y_V`, ap_vld);
//   * a lookup table (as hls4ml keeps its sigmoid/tanh tables) in a dual-port ROM module that reads its
//     contents with `$readmemh("./<rom>.dat")`: the .dat file is exported beside the Verilog and found
//     relative to the simulator's working folder. The test writes the .dat from the function it checks;
//   * an active-low reset `ap_rst_n`, as HLS names it after `config_rtl -reset_level low`;
//   * a function that is not pipelined: the block takes an input in state 1 and answers ap_ready with
//     ap_done in its last state, so the next ap_start is taken one cycle later.
//
// The function: four ap_fixed<8,3> inputs, four ap_fixed<16,6> outputs, y[i] = table[x[i]], the table
// addressed by the input's 8-bit code. Schedule: state 1 reads x and addresses x0, x1; state 2
// registers their entries and addresses x2, x3; state 3 writes y with its ap_vld, ap_done and
// ap_ready. Latency 2 cycles, II 3 cycles.

`timescale 1 ns / 1 ps

module hls_style_rom_table_V_rom (
addr0, ce0, q0, addr1, ce1, q1, clk);

parameter DWIDTH = 16;
parameter AWIDTH = 8;
parameter MEM_SIZE = 256;

input[AWIDTH-1:0] addr0;
input ce0;
output reg[DWIDTH-1:0] q0;
input[AWIDTH-1:0] addr1;
input ce1;
output reg[DWIDTH-1:0] q1;
input clk;

(* ram_style = "block" *)reg [DWIDTH-1:0] ram[0:MEM_SIZE-1];

initial begin
    $readmemh("./hls_style_rom_table_V_rom.dat", ram);
end

always @(posedge clk)
begin
    if (ce0)
    begin
        q0 <= ram[addr0];
    end
end

always @(posedge clk)
begin
    if (ce1)
    begin
        q1 <= ram[addr1];
    end
end

endmodule


module hls_style_rom_table_V(
    reset,
    clk,
    address0,
    ce0,
    q0,
    address1,
    ce1,
    q1);

parameter DataWidth = 32'd16;
parameter AddressRange = 32'd256;
parameter AddressWidth = 32'd8;
input reset;
input clk;
input[AddressWidth - 1:0] address0;
input ce0;
output[DataWidth - 1:0] q0;
input[AddressWidth - 1:0] address1;
input ce1;
output[DataWidth - 1:0] q1;

hls_style_rom_table_V_rom hls_style_rom_table_V_rom_U(
    .clk( clk ),
    .addr0( address0 ),
    .ce0( ce0 ),
    .q0( q0 ),
    .addr1( address1 ),
    .ce1( ce1 ),
    .q1( q1 ));

endmodule


module hls_style_rom (
        ap_clk,
        ap_rst_n,
        ap_start,
        ap_done,
        ap_idle,
        ap_ready,
        x_V,
        x_V_ap_vld,
        y_V,
        y_V_ap_vld
);

parameter    ap_ST_fsm_state1 = 3'd1;
parameter    ap_ST_fsm_state2 = 3'd2;
parameter    ap_ST_fsm_state3 = 3'd4;

input   ap_clk;
input   ap_rst_n;
input   ap_start;
output   ap_done;
output   ap_idle;
output   ap_ready;
input  [31:0] x_V;
input   x_V_ap_vld;
output  [63:0] y_V;
output   y_V_ap_vld;

reg    ap_rst_n_inv;
reg   [2:0] ap_CS_fsm;
wire    ap_CS_fsm_state1 = ap_CS_fsm[0];
wire    ap_CS_fsm_state2 = ap_CS_fsm[1];
wire    ap_CS_fsm_state3 = ap_CS_fsm[2];
wire    ap_read = ap_CS_fsm_state1 & ap_start & x_V_ap_vld;
reg   [7:0] x_2_V_reg;
reg   [7:0] x_3_V_reg;
reg   [15:0] y_0_V_reg;
reg   [15:0] y_1_V_reg;
wire  [7:0] table_V_address0 = ap_CS_fsm_state1 ? x_V[7:0] : x_2_V_reg;
wire  [7:0] table_V_address1 = ap_CS_fsm_state1 ? x_V[15:8] : x_3_V_reg;
wire    table_V_ce0 = ap_read | ap_CS_fsm_state2;
wire  [15:0] table_V_q0;
wire  [15:0] table_V_q1;

hls_style_rom_table_V #(
    .DataWidth( 16 ),
    .AddressRange( 256 ),
    .AddressWidth( 8 ))
table_V_U(
    .clk(ap_clk),
    .reset(ap_rst_n_inv),
    .address0(table_V_address0),
    .ce0(table_V_ce0),
    .q0(table_V_q0),
    .address1(table_V_address1),
    .ce1(table_V_ce0),
    .q1(table_V_q1)
);

always @ (*) begin
    ap_rst_n_inv = ~ap_rst_n;
end

always @ (posedge ap_clk) begin
    if (ap_rst_n_inv == 1'b1) begin
        ap_CS_fsm <= ap_ST_fsm_state1;
    end else if (ap_CS_fsm_state1 == 1'b1) begin
        if (ap_read == 1'b1) begin
            ap_CS_fsm <= ap_ST_fsm_state2;
        end
    end else if (ap_CS_fsm_state2 == 1'b1) begin
        ap_CS_fsm <= ap_ST_fsm_state3;
    end else begin
        ap_CS_fsm <= ap_ST_fsm_state1;
    end
end

always @ (posedge ap_clk) begin
    if (ap_read == 1'b1) begin
        x_2_V_reg <= x_V[23:16];
        x_3_V_reg <= x_V[31:24];
    end
    if (ap_CS_fsm_state2 == 1'b1) begin
        y_0_V_reg <= table_V_q0;
        y_1_V_reg <= table_V_q1;
    end
end

assign y_V = {table_V_q1, table_V_q0, y_1_V_reg, y_0_V_reg};
assign y_V_ap_vld = ap_CS_fsm_state3;
assign ap_done = ap_CS_fsm_state3;
assign ap_ready = ap_CS_fsm_state3;
assign ap_idle = ap_CS_fsm_state1 & ~ap_start;

endmodule
