// Smoke-test design for the open toolchain: K dot products of N signed W-bit inputs with constant
// coefficients C[k][j] = ((7*j + 3*k) % 11) - 5, two pipeline stages, standard stream interface.
// Wide enough (N*K constant multiplies) that Verilator splits the model into several C++ files.
module smoke_mac #(
    parameter integer N = 64,
    parameter integer K = 48,
    parameter integer W = 8,
    parameter integer OW = W + 4 + $clog2(N) + 1
) (
    input  wire             clk,
    input  wire             rst,
    input  wire             in_valid,
    output wire             in_ready,
    input  wire [N*W-1:0]   in_data,
    output reg              out_valid,
    output reg  [K*OW-1:0]  out_data
);
    assign in_ready = 1'b1;
    reg [N*W-1:0] x;
    reg           v1;
    always @(posedge clk) begin
        if (rst) begin
            v1 <= 1'b0;
            out_valid <= 1'b0;
        end else begin
            v1 <= in_valid;
            out_valid <= v1;
        end
        x <= in_data;
    end
    genvar k, j;
    generate
        for (k = 0; k < K; k = k + 1) begin : g_out
            // A chain of N multiply-adds, each its own continuous assignment.
            wire signed [OW-1:0] partial [0:N];
            assign partial[0] = 0;
            for (j = 0; j < N; j = j + 1) begin : g_term
                assign partial[j + 1] = partial[j] + $signed(x[j*W +: W]) * $signed(((7 * j + 3 * k) % 11) - 5);
            end
            always @(posedge clk) out_data[k*OW +: OW] <= partial[N];
        end
    endgenerate
endmodule
