// The stream testbench's fast path: the same Verilated model, driven from C++ instead of cocotb.
//
// `harness.sim` builds every stream-interface design with this file as the executable's main. Without
// arguments of its own it is cocotb's Verilator main (included below under another name), so the
// cocotb testbench `tb.stream` runs unchanged. With `--stream IN OUT N` it streams N vectors from IN
// (N rows of packed little-endian 32-bit words, the layout of `harness.sim.pack_words`) into the
// design exactly as `tb.stream` does, cycle for cycle, and writes OUT: N rows of output words, then
// N accept cycles and N output cycles as 64-bit integers. The cycle numbering is tb.stream's, so
// latency and II measured here equal the cocotb run's (harness.sim checks that on a prefix).
//
// Exit codes: 0 done, 2 bad arguments or files, 3 the design stopped producing outputs.

#define main cocotb_verilator_main
#include "verilator.cpp"  // cocotb's main, found through -CFLAGS -I<cocotb share/lib/verilator>
#undef main

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <type_traits>
#include <vector>

namespace {

//: Cycles without an output before the design is declared stuck (tb.stream's DRAIN_LIMIT).
constexpr uint64_t DRAIN_LIMIT = 100000;

template <typename T>
constexpr size_t words_of(const T &) {
    return (sizeof(T) + 3) / 4;
}
template <std::size_t N>
constexpr size_t words_of(const VlWide<N> &) {
    return N;
}

template <typename T>
void put(T &port, const uint32_t *w) {
    if constexpr (sizeof(T) > 4)
        port = static_cast<T>(w[0]) | (static_cast<T>(w[1]) << 32);
    else
        port = static_cast<T>(w[0]);
}
template <std::size_t N>
void put(VlWide<N> &port, const uint32_t *w) {
    for (std::size_t i = 0; i < N; ++i) port[i] = w[i];
}

template <typename T>
void get(const T &port, uint32_t *w) {
    w[0] = static_cast<uint32_t>(port);
    if constexpr (sizeof(T) > 4) w[1] = static_cast<uint32_t>(static_cast<uint64_t>(port) >> 32);
}
template <std::size_t N>
void get(const VlWide<N> &port, uint32_t *w) {
    for (std::size_t i = 0; i < N; ++i) w[i] = port[i];
}

int stream(const char *in_path, const char *out_path, uint64_t n) {
    auto top = std::make_unique<Vtop>("");
    const size_t in_words = words_of(top->in_data), out_words = words_of(top->out_data);

    std::vector<uint32_t> inputs(n * in_words);
    FILE *in = std::fopen(in_path, "rb");
    if (!in || std::fread(inputs.data(), 4, inputs.size(), in) != inputs.size() || std::fgetc(in) != EOF) {
        std::fprintf(stderr, "stream: %s does not hold %llu rows of %zu words\n", in_path,
                     static_cast<unsigned long long>(n), in_words);
        return 2;
    }
    std::fclose(in);

    std::vector<uint32_t> outputs(n * out_words);
    std::vector<uint64_t> accept(n), produced(n);

    // tb.stream: clock starts high, reset over three falling edges, released after the third.
    const std::vector<uint32_t> zeros(in_words, 0);
    top->clk = 1;
    top->rst = 1;
    top->in_valid = 0;
    put(top->in_data, zeros.data());
    top->eval();
    for (int edge = 0; edge < 3; ++edge) {
        top->clk = 0;
        top->eval();
        if (edge < 2) {
            top->clk = 1;
            top->eval();
        }
    }
    top->rst = 0;
    top->eval();
    top->clk = 1;
    top->eval();

    // Each cycle: falling edge, sample the output, offer the next vector if ready, rising edge.
    uint64_t cycle = 0, sent = 0, got = 0, idle = 0;
    while (got < n) {
        top->clk = 0;
        top->eval();
        ++cycle;
        if (top->out_valid) {
            get(top->out_data, &outputs[got * out_words]);
            produced[got++] = cycle;
            idle = 0;
        } else if (++idle >= DRAIN_LIMIT) {
            std::fprintf(stderr, "stream: no output for %llu cycles after %llu of %llu\n",
                         static_cast<unsigned long long>(DRAIN_LIMIT), static_cast<unsigned long long>(got),
                         static_cast<unsigned long long>(n));
            return 3;
        }
        if (sent < n && top->in_ready) {
            top->in_valid = 1;
            put(top->in_data, &inputs[sent * in_words]);
            accept[sent++] = cycle + 1;  // accepted at the coming rising edge
        } else {
            top->in_valid = 0;
        }
        top->eval();
        top->clk = 1;
        top->eval();
    }
    top->final();

    FILE *out = std::fopen(out_path, "wb");
    if (!out) {
        std::fprintf(stderr, "stream: cannot write %s\n", out_path);
        return 2;
    }
    std::fwrite(outputs.data(), 4, outputs.size(), out);
    std::fwrite(accept.data(), 8, accept.size(), out);
    std::fwrite(produced.data(), 8, produced.size(), out);
    std::fclose(out);
    return 0;
}

}  // namespace

int main(int argc, char **argv) {
    if (argc == 5 && std::strcmp(argv[1], "--stream") == 0) {
        Verilated::commandArgs(1, argv);
        return stream(argv[2], argv[3], std::strtoull(argv[4], nullptr, 10));
    }
    return cocotb_verilator_main(argc, argv);
}
