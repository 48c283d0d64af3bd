// The stream testbench's fast path: the same Verilated model, driven from C++ instead of cocotb.
//
// `harness.sim` builds every stream-interface design with this file as the executable's main. Without
// arguments of its own it is cocotb's Verilator main (included below under another name), so the
// cocotb testbench `tb.stream` runs unchanged. With `--stream IN OUT N [THREADS]` it streams N vectors
// from IN (N rows of packed little-endian 32-bit words, the layout of `harness.sim.pack_words`) into
// the design exactly as `tb.stream` does, cycle for cycle, and writes OUT: N rows of output words,
// then N accept cycles and N output cycles as 64-bit integers. The cycle numbering is tb.stream's, so
// latency and II measured here equal the cocotb run's (harness.sim checks that on a prefix).
//
// THREADS (default 1) splits the vectors into that many consecutive chunks, each streamed from reset
// through its own instance of the model on its own thread (as da4ml's binder splits a batch); each
// chunk's cycle numbers continue where the previous chunk's ended, so the first chunk is exactly the
// single-threaded run and every vector's latency is its own. Each cycle evaluates the model twice
// (falling edge with the next inputs applied, rising edge), as many evaluations as da4ml's binder.
//
// Exit codes: 0 done, 2 bad arguments or files, 3 the design stopped producing outputs.

#define main cocotb_verilator_main
#include "verilator.cpp"  // cocotb's main, found through -CFLAGS -I<cocotb share/lib/verilator>
#undef main

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

//: Cycles without an output before the design is declared stuck (tb.stream's DRAIN_LIMIT).
constexpr uint64_t DRAIN_LIMIT = 100000;

template <typename T>
struct Words {
    static constexpr size_t value = (sizeof(T) + 3) / 4;
};
template <std::size_t N>
struct Words<VlWide<N>> {
    static constexpr size_t value = N;
};
template <typename T>
constexpr size_t words_of() {
    return Words<std::remove_cv_t<std::remove_reference_t<T>>>::value;
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

constexpr size_t IN_WORDS = words_of<decltype(std::declval<Vtop &>().in_data)>();
constexpr size_t OUT_WORDS = words_of<decltype(std::declval<Vtop &>().out_data)>();

//: One chunk of the stream: its vectors in, their words and cycles out (cycles from its own reset).
struct Chunk {
    const uint32_t *inputs;
    uint32_t *outputs;
    uint64_t *accept, *produced;
    uint64_t n;
    uint64_t cycles = 0;  // cycles the chunk took after reset
    int status = 0;
};

void run_chunk(Chunk &chunk) {
    auto context = std::make_unique<VerilatedContext>();
    auto top = std::make_unique<Vtop>(context.get(), "");
    const uint64_t n = chunk.n;

    // tb.stream: clock starts high, reset over three falling edges, released after the third.
    const std::vector<uint32_t> zeros(IN_WORDS, 0);
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

    // Each cycle: falling edge, sample the output, offer the next vector if ready, rising edge. The
    // inputs are applied together with the falling edge's evaluation of the handshake: nothing
    // combinational is observed between the two, so one evaluation per edge suffices.
    uint64_t cycle = 0, sent = 0, got = 0, idle = 0;
    while (got < n) {
        top->clk = 0;
        top->eval();
        ++cycle;
        if (top->out_valid) {
            get(top->out_data, &chunk.outputs[got * OUT_WORDS]);
            chunk.produced[got++] = cycle;
            idle = 0;
        } else if (++idle >= DRAIN_LIMIT) {
            std::fprintf(stderr, "stream: no output for %llu cycles after %llu of %llu\n",
                         static_cast<unsigned long long>(DRAIN_LIMIT), static_cast<unsigned long long>(got),
                         static_cast<unsigned long long>(n));
            chunk.status = 3;
            return;
        }
        if (sent < n && top->in_ready) {
            top->in_valid = 1;
            put(top->in_data, &chunk.inputs[sent * IN_WORDS]);
            chunk.accept[sent++] = cycle + 1;  // accepted at the coming rising edge
        } else {
            top->in_valid = 0;
        }
        top->clk = 1;
        top->eval();
    }
    top->final();
    chunk.cycles = cycle;
}

int stream(const char *in_path, const char *out_path, uint64_t n, uint64_t threads) {
    std::vector<uint32_t> inputs(n * IN_WORDS);
    FILE *in = std::fopen(in_path, "rb");
    if (!in || std::fread(inputs.data(), 4, inputs.size(), in) != inputs.size() || std::fgetc(in) != EOF) {
        std::fprintf(stderr, "stream: %s does not hold %llu rows of %zu words\n", in_path,
                     static_cast<unsigned long long>(n), IN_WORDS);
        return 2;
    }
    std::fclose(in);
    if (threads < 1 || threads > n) {
        std::fprintf(stderr, "stream: THREADS must be 1 to N (%llu), not %llu\n",
                     static_cast<unsigned long long>(n), static_cast<unsigned long long>(threads));
        return 2;
    }

    std::vector<uint32_t> outputs(n * OUT_WORDS);
    std::vector<uint64_t> accept(n), produced(n);
    std::vector<Chunk> chunks;
    for (uint64_t t = 0, first = 0; t < threads; ++t) {
        const uint64_t count = n / threads + (t < n % threads ? 1 : 0);
        chunks.push_back({&inputs[first * IN_WORDS], &outputs[first * OUT_WORDS], &accept[first],
                          &produced[first], count});
        first += count;
    }
    std::vector<std::thread> workers;
    for (size_t t = 1; t < chunks.size(); ++t) workers.emplace_back(run_chunk, std::ref(chunks[t]));
    run_chunk(chunks[0]);
    for (auto &worker : workers) worker.join();
    uint64_t offset = 0;
    for (const Chunk &chunk : chunks) {
        if (chunk.status) return chunk.status;
        for (uint64_t i = 0; i < chunk.n; ++i) {
            chunk.accept[i] += offset;
            chunk.produced[i] += offset;
        }
        offset += chunk.cycles;
    }

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
    if ((argc == 5 || argc == 6) && std::strcmp(argv[1], "--stream") == 0) {
        Verilated::commandArgs(1, argv);
        const uint64_t threads = argc == 6 ? std::strtoull(argv[5], nullptr, 10) : 1;
        return stream(argv[2], argv[3], std::strtoull(argv[4], nullptr, 10), threads);
    }
    return cocotb_verilator_main(argc, argv);
}
