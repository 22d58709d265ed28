// A null system under test for MLPerf's own LoadGen (mlcommons/inference loadgen/, built by
// bench/loadgen/build-loadgen.sh; its code is not part of this project). It answers every sample at once
// (inline, on the issuing thread) or through one worker thread, and records which QSL sample indices were
// issued, so that bench/loadgen compares Cheomdan's generator with LoadGen on the same settings:
//   null-sut-harness SCENARIO MODE(performance|accuracy) TOTAL PERF_COUNT MIN_QUERIES MIN_DURATION_MS
//                    TARGET(qps or expected latency ns) INLINE(1|0) [OUTDIR]
// It prints the number of samples issued, the first 16 indices, an FNV-1a hash of all of them in order,
// and the wall time; LoadGen writes its summary and detail logs to OUTDIR.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "loadgen.h"
#include "query_sample_library.h"
#include "system_under_test.h"
#include "test_settings.h"

using namespace mlperf;

class Qsl : public QuerySampleLibrary {
 public:
  Qsl(size_t total, size_t perf) : total_(total), perf_(perf) {}
  const std::string& Name() override { return name_; }
  size_t TotalSampleCount() override { return total_; }
  size_t PerformanceSampleCount() override { return perf_; }
  void LoadSamplesToRam(const std::vector<QuerySampleIndex>&) override {}
  void UnloadSamplesFromRam(const std::vector<QuerySampleIndex>&) override {}
 private:
  std::string name_ = "null-qsl";
  size_t total_, perf_;
};

class NullSut : public SystemUnderTest {
 public:
  explicit NullSut(bool inline_) : inline_(inline_) {
    if (!inline_) worker_ = std::thread([this] { Work(); });
  }
  ~NullSut() override {
    if (!inline_) {
      { std::lock_guard<std::mutex> l(m_); stop_ = true; }
      cv_.notify_one();
      worker_.join();
    }
  }
  const std::string& Name() override { return name_; }
  void IssueQuery(const std::vector<QuerySample>& samples) override {
    for (auto& s : samples) {
      indices_.push_back(s.index);
    }
    if (inline_) {
      Complete(samples);
      return;
    }
    { std::lock_guard<std::mutex> l(m_); q_.push_back(samples); }
    cv_.notify_one();
  }
  void FlushQueries() override {}
  std::vector<QuerySampleIndex> indices_;

 private:
  static void Complete(const std::vector<QuerySample>& samples) {
    std::vector<QuerySampleResponse> r;
    r.reserve(samples.size());
    for (auto& s : samples) r.push_back({s.id, 0, 0});
    QuerySamplesComplete(r.data(), r.size());
  }
  void Work() {
    for (;;) {
      std::vector<QuerySample> s;
      {
        std::unique_lock<std::mutex> l(m_);
        cv_.wait(l, [this] { return stop_ || !q_.empty(); });
        if (q_.empty()) return;
        s = std::move(q_.front());
        q_.pop_front();
      }
      Complete(s);
    }
  }
  std::string name_ = "null-sut";
  bool inline_;
  std::thread worker_;
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<std::vector<QuerySample>> q_;
  bool stop_ = false;
};

int main(int argc, char** argv) {
  if (argc < 9) {
    std::fprintf(stderr, "usage: %s SCENARIO MODE TOTAL PERF_COUNT MIN_QUERIES MIN_DURATION_MS TARGET INLINE [OUTDIR]\n", argv[0]);
    return 2;
  }
  std::string scenario = argv[1], mode = argv[2];
  TestSettings ts;
  // The seeds of LoadGen 6.0's mlperf.conf, so both generators draw the same schedule.
  ts.qsl_rng_seed = 2085463073848966840ULL;
  ts.sample_index_rng_seed = 2747215439041700203ULL;
  ts.schedule_rng_seed = 16159082839903944936ULL;
  ts.scenario = scenario == "SingleStream" ? TestScenario::SingleStream
              : scenario == "MultiStream" ? TestScenario::MultiStream
              : scenario == "Server" ? TestScenario::Server : TestScenario::Offline;
  ts.mode = mode == "accuracy" ? TestMode::AccuracyOnly : TestMode::PerformanceOnly;
  ts.min_query_count = std::strtoull(argv[5], nullptr, 10);
  ts.min_duration_ms = std::strtoull(argv[6], nullptr, 10);
  double target = std::strtod(argv[7], nullptr);
  ts.single_stream_expected_latency_ns = target;
  ts.multi_stream_expected_latency_ns = target;
  ts.server_target_qps = target;
  ts.offline_expected_qps = target;
  ts.server_target_latency_ns = 10000000;
  LogSettings log;
  log.log_output.outdir = argc > 9 ? argv[9] : "/tmp";
  log.enable_trace = false;
  Qsl qsl(std::strtoull(argv[3], nullptr, 10), std::strtoull(argv[4], nullptr, 10));
  NullSut sut(std::string(argv[8]) == "1");
  auto t0 = std::chrono::steady_clock::now();
  StartTest(&sut, &qsl, ts, log);
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  unsigned long long h = 1469598103934665603ULL;
  for (auto x : sut.indices_) { h ^= x; h *= 1099511628211ULL; }
  std::printf("issued %zu first:", sut.indices_.size());
  for (size_t i = 0; i < 16 && i < sut.indices_.size(); ++i) std::printf(" %zu", (size_t)sut.indices_[i]);
  std::printf(" fnv1a: %llu wall_s: %.3f\n", h, wall);
  return 0;
}
