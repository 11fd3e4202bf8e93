// SPDX-License-Identifier: GPL-3.0-or-later
// Ingesting a big CA bundle: parse, the details the trust-store table shows, and lint.
// Reproduce: build/tests/bench/bench_ingest --benchmark_min_time=2
#include "CertFactory.h"
#include "util/Clock.h"
#include "x509/Bundle.h"
#include "x509/Lint.h"
#include "x509/OpenSsl.h"

#include <QDateTime>

#include <benchmark/benchmark.h>

#include <openssl/pem.h>

using namespace certrotor;

namespace {

const qint64 kNow = QDateTime::currentSecsSinceEpoch();

const QByteArray& bundlePem(int count)
{
    static QHash<int, QByteArray> cache;
    auto it = cache.find(count);
    if (it == cache.end())
        it = cache.insert(count, test::makeBulkPemBundle(count, kNow, 16, true));
    return it.value();
}

// The product path: PEM -> certificates with every table field -> lint findings.
void BM_IngestBundle(benchmark::State& state)
{
    const QByteArray& pem = bundlePem(int(state.range(0)));
    for (auto _ : state) {
        const Bundle bundle = parseBundle(pem, QStringLiteral("bench.pem"));
        const QList<Finding> findings = lintBundle(bundle, LintOptions{kNow, 30});
        if (bundle.entries.size() != state.range(0) || bundle.hasErrors())
            state.SkipWithError("bundle did not parse completely");
        benchmark::DoNotOptimize(findings.size());
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
    state.SetBytesProcessed(state.iterations() * pem.size());
}
BENCHMARK(BM_IngestBundle)->Arg(10000)->Unit(benchmark::kMillisecond)->UseRealTime();

// The same, on one thread: what the light DER reader costs without the thread pool.
void BM_IngestBundleSingleThread(benchmark::State& state)
{
    const QByteArray& pem = bundlePem(int(state.range(0)));
    for (auto _ : state) {
        const Bundle bundle = parseBundle(pem, QStringLiteral("bench.pem"), ParseOptions{false});
        const QList<Finding> findings = lintBundle(bundle, LintOptions{kNow, 30});
        benchmark::DoNotOptimize(findings.size());
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_IngestBundleSingleThread)->Arg(10000)->Unit(benchmark::kMillisecond)->UseRealTime();

// Baseline in the same run: OpenSSL 3's own PEM reader + d2i_X509 (what a naive design pays).
void BM_OpenSslPemReadX509(benchmark::State& state)
{
    const QByteArray& pem = bundlePem(int(state.range(0)));
    for (auto _ : state) {
        ossl::BioPtr bio(BIO_new_mem_buf(pem.constData(), int(pem.size())));
        int n = 0;
        while (ossl::X509Ptr x{PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)})
            ++n;
        ossl::clearErrors();
        benchmark::DoNotOptimize(n);
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_OpenSslPemReadX509)->Arg(10000)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

} // namespace

BENCHMARK_MAIN();
