// SPDX-License-Identifier: GPL-3.0-or-later
// Watching: from a file write to the bundle delivered, for every way files change on disk, with the
// product's 50 ms debounce (p50/p99 over 200 updates as counters); and the cost from "bytes available"
// to delivery for a 10-certificate bundle (hash + parse on the read pool + hand-over to the owner).
// Reproduce: build/tests/bench/bench_watch
#include "CertFactory.h"
#include "FileUpdates.h"
#include "sources/FileSource.h"
#include "sources/InlineSource.h"
#include "sources/TrustStoreProvider.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QEventLoop>
#include <QTemporaryDir>
#include <QTimer>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <vector>

using namespace certrotor;
using namespace certrotor::test;

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kUpdates = 200;
constexpr int kDeliveryTimeoutMs = 3000;

double msSince(Clock::time_point t0)
{
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

const QByteArray& tenCertificates()
{
    static const QByteArray pem = makeBulkPemBundle(10, QDateTime::currentSecsSinceEpoch(), 4, true);
    return pem;
}

// Distinct bytes (a comment line), the same certificates: every write is a real change and a full parse.
QByteArray variant(int n)
{
    return "# update " + QByteArray::number(n) + "\n" + tenCertificates();
}

// Runs the event loop until `source` delivers (true) or the timeout passes (false).
bool waitForUpdate(Source& source, int timeoutMs, Clock::time_point* deliveredAt = nullptr)
{
    QEventLoop loop;
    bool delivered = false;
    const QMetaObject::Connection c = QObject::connect(&source, &Source::updated, &loop, [&] {
        if (deliveredAt)
            *deliveredAt = Clock::now();
        delivered = true;
        loop.quit();
    });
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    loop.exec();
    QObject::disconnect(c);
    return delivered;
}

void settle(int ms)
{
    QEventLoop loop;
    QTimer::singleShot(ms, &loop, &QEventLoop::quit);
    loop.exec();
}

double percentile(std::vector<double> v, double p)
{
    std::sort(v.begin(), v.end());
    const size_t i = size_t(std::max(0.0, std::ceil(p * double(v.size())) - 1));
    return v[std::min(i, v.size() - 1)];
}

// Write -> delivered, one pattern, kUpdates updates with the default 50 ms debounce.
void BM_DetectionLatency(benchmark::State& state)
{
    const auto pattern = UpdatePattern(state.range(0));
    const bool directory = state.range(1) != 0; // watch the Secret volume directory instead of the file
    state.SetLabel(QByteArray(patternName(pattern)).append(directory ? " (directory source)" : "").constData());
    std::vector<double> writeToDelivery;
    std::vector<double> reported; // the source's own detectionLatencyMs: first signal -> delivery
    for (auto _ : state) {
        QTemporaryDir tmp;
        KubeletVolume volume(tmp.filePath(QStringLiteral("volume")));
        const bool kubelet = pattern == UpdatePattern::Kubelet;
        const QString file = kubelet ? volume.path(QStringLiteral("ca.crt")) : tmp.filePath(QStringLiteral("ca.pem"));
        int n = 0;
        if (!(kubelet ? volume.write({{QStringLiteral("ca.crt"), variant(n)}}) : writeInPlace(file, variant(n)))) {
            state.SkipWithError("cannot write the bundle");
            return;
        }
        FileSource source(directory ? volume.dir() : file);
        source.setDebounceMs(50);
        source.start();
        if (!waitForUpdate(source, kDeliveryTimeoutMs)) {
            state.SkipWithError("no initial delivery");
            return;
        }
        settle(100);
        for (int i = 0; i < kUpdates; ++i) {
            const Clock::time_point t0 = Clock::now();
            if (!applyUpdate(pattern, file, variant(++n), &volume)) {
                state.SkipWithError("cannot apply the update");
                return;
            }
            Clock::time_point t1;
            if (!waitForUpdate(source, kDeliveryTimeoutMs, &t1)) {
                state.SkipWithError("an update was not delivered");
                return;
            }
            writeToDelivery.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
            reported.push_back(double(source.current().detectionLatencyMs));
            settle(15); // real updates are far apart: let the burst's trailing signals pass
        }
    }
    state.counters["updates"] = double(writeToDelivery.size());
    state.counters["p50_ms"] = percentile(writeToDelivery, 0.50);
    state.counters["p99_ms"] = percentile(writeToDelivery, 0.99);
    state.counters["max_ms"] = percentile(writeToDelivery, 1.0);
    state.counters["reported_p50_ms"] = percentile(reported, 0.50);
}
BENCHMARK(BM_DetectionLatency)
    ->ArgNames({"pattern", "dir"})
    ->Args({int(UpdatePattern::InPlace), 0})
    ->Args({int(UpdatePattern::TempRename), 0})
    ->Args({int(UpdatePattern::DeleteRecreate), 0})
    ->Args({int(UpdatePattern::Kubelet), 0})
    ->Args({int(UpdatePattern::Kubelet), 1})
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

// Bytes available -> delivered on the owning thread, 10 certificates: SHA-256, parse on the read
// pool (a cache miss: new bytes every time), hand-over through the event loop. range(0)=1: the same
// two revisions alternate, so every parse after the first two is a cache hit.
void BM_EventToDelivered_Inline10(benchmark::State& state)
{
    const bool cached = state.range(0) != 0;
    InlineSource source(QStringLiteral("bench"), variant(0));
    TrustStoreProvider provider;
    provider.addSource(&source, TrustStoreProvider::Ownership::Borrow);
    if (!waitForUpdate(source, kDeliveryTimeoutMs)) {
        state.SkipWithError("no initial delivery");
        return;
    }
    int n = 0;
    std::vector<double> samples;
    for (auto _ : state) {
        const QByteArray bytes = variant(cached ? (++n % 2) + 1 : ++n);
        const Clock::time_point t0 = Clock::now();
        source.setPem(bytes);
        if (!waitForUpdate(source, kDeliveryTimeoutMs)) {
            state.SkipWithError("not delivered");
            return;
        }
        const double ms = msSince(t0);
        samples.push_back(ms);
        state.SetIterationTime(ms / 1000.0);
        if (source.current().bundle->entries.size() != 10)
            state.SkipWithError("bundle did not parse completely");
    }
    state.counters["p50_ms"] = percentile(samples, 0.50);
    state.counters["p99_ms"] = percentile(samples, 0.99);
    state.counters["cache_hits"] = provider.cache()->hits();
}
BENCHMARK(BM_EventToDelivered_Inline10)->ArgName("cached")->Arg(0)->Arg(1)->UseManualTime()->Iterations(300)->Unit(benchmark::kMicrosecond);

// File write -> delivered with no debounce: the inotify event, the read, the hash, the parse and the
// hand-over, 10 certificates, new bytes every time.
void BM_EventToDelivered_File10NoDebounce(benchmark::State& state)
{
    QTemporaryDir tmp;
    const QString file = tmp.filePath(QStringLiteral("ca.pem"));
    writeInPlace(file, variant(0));
    FileSource source(file);
    source.setDebounceMs(0);
    source.start();
    if (!waitForUpdate(source, kDeliveryTimeoutMs)) {
        state.SkipWithError("no initial delivery");
        return;
    }
    settle(50);
    int n = 0;
    std::vector<double> samples;
    for (auto _ : state) {
        const Clock::time_point t0 = Clock::now();
        writeInPlace(file, variant(++n));
        if (!waitForUpdate(source, kDeliveryTimeoutMs)) {
            state.SkipWithError("not delivered");
            return;
        }
        const double ms = msSince(t0);
        samples.push_back(ms);
        state.SetIterationTime(ms / 1000.0);
        state.PauseTiming();
        settle(5);
        state.ResumeTiming();
    }
    state.counters["p50_ms"] = percentile(samples, 0.50);
    state.counters["p99_ms"] = percentile(samples, 0.99);
}
BENCHMARK(BM_EventToDelivered_File10NoDebounce)->UseManualTime()->Iterations(200)->Unit(benchmark::kMicrosecond);

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv); // the sources deliver through the event loop
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 1;
    tenCertificates(); // key generation is not part of any measurement
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
