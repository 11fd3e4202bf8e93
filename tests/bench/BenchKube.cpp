// SPDX-License-Identifier: GPL-3.0-or-later
// KubeSecretSource latency against the in-process Kubernetes API test server (TLS on loopback):
//  - BM_WatchEventToBundle: a watch event's arrival (the moment its line is parsed off the stream) to the
//    parsed 10-certificate bundle delivered by Source::updated (parse on the thread pool included).
//  - BM_SecretWriteToBundle: the whole round trip, server-side write → chunk over TLS → delivery.
//  - BM_GetSecretReusedConnection: one GET on the reused HTTP/1.1 + TLS connection.
// Reproduce: build/tests/bench/bench_kube
#include "CertFactory.h"
#include "KubeApiServer.h"
#include "kube/KubeSecretSource.h"
#include "kube/Kubeconfig.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QTemporaryDir>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <vector>

using namespace Qt::StringLiterals;
using namespace certrotor;

namespace {

struct Rig
{
    std::unique_ptr<test::KubeApiServer> server;
    QTemporaryDir dir;
    std::unique_ptr<kube::KubeSecretSource> source;
    QByteArray bundles[2];
    int updates = 0;
    int next = 0; // which bundle the next write carries (always the one not in the Secret now)
    bool ok = false;

    Rig()
    {
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        bundles[0] = test::makeBulkPemBundle(10, now, 4, true);
        bundles[1] = test::makeBulkPemBundle(10, now, 4, true);
        test::KubeApiServer::Options o;
        o.bookmarkIntervalMs = 0;
        server = std::make_unique<test::KubeApiServer>(o);
        QString err;
        if (!server->start(&err))
            return;
        server->putSecret(u"default"_s, u"bench"_s, {{u"ca.crt"_s, bundles[1]}});
        const QString kc = dir.filePath(u"kubeconfig"_s);
        server->writeKubeconfig(kc);
        auto rc = kube::Kubeconfig::loadFiles({kc}).value().restConfig(u"test-token"_s);
        auto* client = new kube::KubeClient(rc.value());
        source = std::make_unique<kube::KubeSecretSource>(
            client, kube::KubeObjectRef { kube::ObjectKind::Secret, {}, u"default"_s, u"bench"_s, {} },
            kube::KubeSecretSource::Options {});
        client->setParent(source.get());
        QObject::connect(source.get(), &Source::updated, [this] { ++updates; });
        source->start();
        ok = waitUpdates(1) && source->current().bundle->entries.size() == 10;
        QElapsedTimer t;
        t.start();
        while (!source->client() || (source->status() != Source::Status::Watching && t.elapsed() < 10000))
            QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
    }

    bool waitUpdates(int n)
    {
        QElapsedTimer t;
        t.start();
        while (updates < n && t.elapsed() < 10000)
            QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
        return updates >= n;
    }
};

std::unique_ptr<Rig> g_rig;

Rig& rig()
{
    if (!g_rig)
        g_rig = std::make_unique<Rig>();
    return *g_rig;
}

void report(benchmark::State& state, std::vector<double> ms)
{
    if (ms.empty())
        return;
    std::sort(ms.begin(), ms.end());
    state.counters["p50_ms"] = ms[ms.size() / 2];
    state.counters["p99_ms"] = ms[std::min(ms.size() - 1, size_t(double(ms.size()) * 0.99))];
    state.counters["max_ms"] = ms.back();
}

void BM_WatchEventToBundle(benchmark::State& state)
{
    Rig& r = rig();
    if (!r.ok) {
        state.SkipWithError("test server / source did not start");
        return;
    }
    std::vector<double> samples;
    for (auto _ : state) {
        const int before = r.updates;
        r.server->putSecret(u"default"_s, u"bench"_s, {{u"ca.crt"_s, r.bundles[r.next++ % 2]}});
        if (!r.waitUpdates(before + 1) || r.source->current().bundle->entries.size() != 10) {
            state.SkipWithError("update not delivered");
            return;
        }
        const double secs = double(r.source->lastEventToDeliveryNs()) / 1e9;
        state.SetIterationTime(secs);
        samples.push_back(secs * 1000.0);
    }
    report(state, samples);
}
BENCHMARK(BM_WatchEventToBundle)->UseManualTime()->Iterations(200)->Unit(benchmark::kMillisecond);

void BM_SecretWriteToBundle(benchmark::State& state)
{
    Rig& r = rig();
    if (!r.ok) {
        state.SkipWithError("test server / source did not start");
        return;
    }
    std::vector<double> samples;
    for (auto _ : state) {
        QElapsedTimer t;
        t.start();
        const int before = r.updates;
        r.server->putSecret(u"default"_s, u"bench"_s, {{u"ca.crt"_s, r.bundles[r.next++ % 2]}});
        if (!r.waitUpdates(before + 1)) {
            state.SkipWithError("update not delivered");
            return;
        }
        const double secs = double(t.nsecsElapsed()) / 1e9;
        state.SetIterationTime(secs);
        samples.push_back(secs * 1000.0);
    }
    report(state, samples);
}
BENCHMARK(BM_SecretWriteToBundle)->UseManualTime()->Iterations(200)->Unit(benchmark::kMillisecond);

// One GET of the Secret on the client's reused HTTP/1.1 connection (PLATFORM.md saw ~40 ms stalls on
// reused Qt HTTP/2 connections; the Kubernetes client uses HTTP/1.1).
void BM_GetSecretReusedConnection(benchmark::State& state)
{
    Rig& r = rig();
    if (!r.ok) {
        state.SkipWithError("test server / source did not start");
        return;
    }
    std::vector<double> samples;
    for (auto _ : state) {
        QElapsedTimer t;
        t.start();
        bool done = false;
        bool ok = false;
        r.source->client()->getObject(kube::ObjectKind::Secret, u"default"_s, u"bench"_s, nullptr,
                                      [&](kube::KubeResult<kube::KubeObject> res) {
                                          done = true;
                                          ok = res.ok();
                                      });
        QElapsedTimer guard;
        guard.start();
        while (!done && guard.elapsed() < 10000)
            QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
        if (!ok) {
            state.SkipWithError("GET failed");
            return;
        }
        const double secs = double(t.nsecsElapsed()) / 1e9;
        state.SetIterationTime(secs);
        samples.push_back(secs * 1000.0);
    }
    report(state, samples);
}
BENCHMARK(BM_GetSecretReusedConnection)->UseManualTime()->Iterations(200)->Unit(benchmark::kMillisecond);

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    g_rig.reset(); // while the application object still exists
    return 0;
}
