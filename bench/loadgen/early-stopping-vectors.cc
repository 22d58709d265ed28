// Prints LoadGen's own early-stopping numbers for src/loadgen/earlyStopping.test.ts. Build against a LoadGen 6.0 checkout:
//   g++ -O2 -std=c++17 -I$LOADGEN_SRC bench/loadgen/early-stopping-vectors.cc $LOADGEN_SRC/early_stopping.cc -o /tmp/es && /tmp/es
#include "early_stopping.h"
#include <cstdio>
using namespace mlperf::loadgen;
int main() {
  for (double p : {0.9, 0.99}) {
    MinPassingQueriesFinder f;
    std::printf("p=%g:", p);
    for (long t : {0L, 1L, 2L, 3L, 10L, 100L, 1000L, 5000L}) std::printf(" h(%ld)=%ld", t, (long)f(t, p, 0.0, 0.99));
    std::printf("\n");
  }
  // SingleStream estimate index for n queries, the loop of results.cc
  for (long n : {64L, 100L, 1000L, 10000L, 50000L}) {
    MinPassingQueriesFinder f; long t = 1; long hmin = f(1, 0.9, 0, 0.99);
    if (n < hmin + 1) { std::printf("n=%ld not met (need %ld)\n", n, hmin + 1); continue; }
    for (long i = 2; i < n + 1; ++i) { long h = f(i, 0.9, 0, 0.99); if (n < h + i) { t = i - 1; break; } }
    std::printf("n=%ld t=%ld\n", n, t);
  }
}
