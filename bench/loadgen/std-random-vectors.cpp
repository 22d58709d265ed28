// Prints what libstdc++'s <random> and std::shuffle give for the seeds and ranges that
// src/loadgen/random.test.ts checks, so that the TypeScript generator is compared with the
// C++ standard library LoadGen is built with (not with itself). Build and run:
//   g++ -O2 -std=c++17 bench/loadgen/std-random-vectors.cpp -o /tmp/std-random-vectors && /tmp/std-random-vectors
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <numeric>
#include <random>
#include <vector>

int main() {
  {
    std::mt19937 g(16159082839903944936ULL);  // LoadGen 6.0's schedule_rng_seed
    std::printf("mt19937(schedule seed) first 5:");
    for (int i = 0; i < 5; ++i) std::printf(" %lu", (unsigned long)g());
    std::printf("\n");
  }
  {
    std::mt19937 g(16159082839903944936ULL);
    std::exponential_distribution<> d(1000.0);
    std::printf("exponential(1000) ns via duration_cast:");
    for (int i = 0; i < 8; ++i)
      std::printf(" %lld", (long long)std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(d(g))).count());
    std::printf("\n");
    long long sum = 0;
    for (int i = 0; i < 100000; ++i)
      sum += std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(d(g))).count();
    std::printf("exponential(1000) sum of next 100000 ns: %lld\n", sum);
  }
  {
    std::mt19937 g(2747215439041700203ULL);  // sample_index_rng_seed
    std::uniform_int_distribution<> d(0, 1023);
    std::printf("uniform_int(0,1023):");
    for (int i = 0; i < 10; ++i) std::printf(" %d", d(g));
    std::printf("\n");
    std::uniform_int_distribution<> d2(0, 999);
    long long sum = 0;
    for (int i = 0; i < 100000; ++i) sum += d2(g);
    std::printf("uniform_int(0,999) sum of next 100000: %lld\n", sum);
  }
  for (size_t n : {10u, 1024u, 70000u}) {
    std::mt19937 g(2085463073848966840ULL);  // qsl_rng_seed
    std::vector<size_t> v(n);
    std::iota(v.begin(), v.end(), 0);
    std::shuffle(v.begin(), v.end(), g);
    unsigned long long h = 1469598103934665603ULL;  // FNV-1a over the permutation
    for (size_t x : v) { h ^= x; h *= 1099511628211ULL; }
    std::printf("shuffle(%zu) first:", n);
    for (size_t i = 0; i < 8 && i < n; ++i) std::printf(" %zu", v[i]);
    std::printf(" fnv1a: %llu\n", h);
  }
  return 0;
}
