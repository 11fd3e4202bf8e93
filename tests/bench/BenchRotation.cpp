// SPDX-License-Identifier: GPL-3.0-or-later
// The rotation's costs:
//  - a file commit of a 200-certificate bundle (temporary file, fsync, rename, fsync of the directory,
//    backup, read back and compared): p50 / p99 per commit;
//  - confirming 50 targets at once against the probe plan's CPU floor for the same 50 probes (the
//    process CPU of each, measured in the same run, alternately): the ratio;
//  - staging 10,000 certificates (read, parse, preview, diff, overlap, lint, gate, state file) while a
//    1 ms timer measures the longest stall of the event loop the caller runs.
// Reproduce: build/tests/bench/bench_rotation   (about 30 s)
#include "CertFactory.h"
#include "TestPeers.h"
#include "TestUtil.h"
#include "probe/ProbePlan.h"
#include "rotation/Rotation.h"
#include "x509/Bundle.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <vector>

using namespace certrotor;
using namespace certrotor::rotation;

namespace {

const qint64 kNow = QDateTime::currentSecsSinceEpoch();

double processCpuMs()
{
    rusage u {};
    getrusage(RUSAGE_SELF, &u);
    return (double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3)
        + (double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e3);
}

double percentile(std::vector<double> v, double p)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, size_t(p * double(v.size() - 1) + 0.5))];
}

/// One grpc++ server on every loopback address (0.0.0.0) with a leaf valid for 127.0.0.1 … 127.0.0.50, so
/// 50 targets are 50 distinct addresses of one server.
struct Peers {
    QTemporaryDir dir;
    test::Hierarchy pki;
    QByteArray rootPem;
    test::GrpcTestServer server; // the tests' own peer, started the tests' way
    quint16 port = 0;
    QStringList targets;

    Peers()
    {
        pki = test::makeHierarchy(kNow, QStringLiteral("Bench"));
        rootPem = pki.root.pem();
        test::CertSpec spec;
        spec.commonName = QStringLiteral("localhost");
        spec.notBefore = kNow - 3600;
        spec.notAfter = kNow + 86400;
        spec.extendedKeyUsage = { QStringLiteral("serverAuth") };
        for (int i = 1; i <= 50; ++i)
            spec.subjectAltNames << QStringLiteral("IP:127.0.0.%1").arg(i);
        const test::Issued leaf = test::issue(spec, test::makeKey(), &pki.intermediate);
        const QStringList tls = test::grpcServerTlsArgs(dir.path(), QStringLiteral("server"), leaf, pki.intermediate);
        if (!tls.isEmpty() && server.start(QStringList { QStringLiteral("--host"), QStringLiteral("0.0.0.0") } + tls))
            port = server.port();
        for (int i = 1; i <= 50; ++i)
            targets << QStringLiteral("127.0.0.%1:%2").arg(i).arg(port);
    }
};

Peers& peers()
{
    static Peers p;
    return p;
}

// ---- file commit ----------------------------------------------------------------------------------------

void BM_FileCommit200Certificates(benchmark::State& state)
{
    QTemporaryDir dir(QDir::currentPath() + QStringLiteral("/bench-rotation-XXXXXX")); // the build disk, not tmpfs
    const QString path = dir.filePath(QStringLiteral("ca.pem"));
    const QByteArray a = test::makeBulkPemBundle(200, kNow, 4, false);
    const QByteArray b = test::makeBulkPemBundle(200, kNow, 4, false);
    test::writeFile(path, a);
    Result<DestinationContent> now = FileCommitter::readFile(path);
    QString version = now.ok() ? now.value().version : QString();
    std::vector<double> ms;
    bool flip = false;
    for (auto _ : state) {
        QElapsedTimer t;
        t.start();
        Result<FileCommitter::WriteOutcome> w = FileCommitter::writeFile(path, flip ? a : b, version, 5);
        ms.push_back(double(t.nsecsElapsed()) / 1e6);
        if (!w.ok()) {
            state.SkipWithError(qPrintable(w.error().text()));
            break;
        }
        version = w.value().content.version;
        flip = !flip;
    }
    state.counters["p50_ms"] = percentile(ms, 0.50);
    state.counters["p99_ms"] = percentile(ms, 0.99);
    state.counters["bytes"] = double(a.size());
}
BENCHMARK(BM_FileCommit200Certificates)->Iterations(200)->Unit(benchmark::kMillisecond)->UseRealTime();

// ---- confirmation of 50 targets vs the probe plan's floor ------------------------------------------------

void BM_Confirm50TargetsVsPlanFloor(benchmark::State& state)
{
    Peers& p = peers();
    if (p.port == 0) {
        state.SkipWithError("the grpc++ server did not start");
        return;
    }
    QTemporaryDir dir;
    const QString store = dir.filePath(QStringLiteral("ca.pem"));
    const QString candidate = dir.filePath(QStringLiteral("new.pem"));
    test::writeFile(store, p.rootPem);
    test::writeFile(candidate, test::makeHierarchy(kNow, QStringLiteral("New")).root.pem());
    Rotation::Settings settings;
    settings.stateDir = dir.filePath(QStringLiteral("state"));
    Rotation r(settings);
    Rotation::Request request;
    request.candidatePath = candidate;
    request.destinations << Rotation::DestinationSpec { store, p.targets, 0, {}, -1 };
    if (!test::runRotationStep(r, [&] { r.stage(request); }).ok
        || !test::runRotationStep(r, [&] { r.commitWave(0); }).ok) {
        state.SkipWithError("could not commit the overlap to confirm");
        return;
    }
    const QList<Certificate> overlap = parseBundle(r.state().destinations.first().overlapBytes, {}).certificates();
    QList<ProbeTarget> targets;
    for (const QString& t : std::as_const(p.targets))
        targets << ProbeTarget::parse(t).value();

    double floorMs = 0, confirmMs = 0;
    for (auto _ : state) {
        double c0 = processCpuMs();
        ProbePlan plan(targets, { PlanBundle { QStringLiteral("overlap"), PlanBundle::Role::Candidate, overlap } }, {});
        QEventLoop loop;
        QObject::connect(&plan, &ProbePlan::finished, &loop, &QEventLoop::quit);
        plan.start();
        if (!plan.isFinished())
            loop.exec();
        floorMs += processCpuMs() - c0;
        if (!plan.verdict().passed())
            state.SkipWithError("a probe of the floor failed");

        c0 = processCpuMs();
        const Outcome o = test::runRotationStep(r, [&] { r.confirm(); });
        confirmMs += processCpuMs() - c0;
        if (!o.ok)
            state.SkipWithError(qPrintable(o.message));
    }
    const double n = double(state.iterations());
    state.counters["floor_cpu_ms"] = floorMs / n;
    state.counters["confirm_cpu_ms"] = confirmMs / n;
    state.counters["ratio"] = floorMs > 0 ? confirmMs / floorMs : 0;
}
BENCHMARK(BM_Confirm50TargetsVsPlanFloor)->Iterations(20)->Unit(benchmark::kMillisecond)->UseRealTime();

// ---- staging 10,000 certificates: the caller's event loop never stalls ----------------------------------

void BM_Stage10000CertificatesEventLoopStall(benchmark::State& state)
{
    Peers& p = peers();
    QTemporaryDir dir;
    const QString store = dir.filePath(QStringLiteral("ca.pem"));
    const QString candidate = dir.filePath(QStringLiteral("big.pem"));
    test::writeFile(store, p.rootPem);
    test::writeFile(candidate, test::makeBulkPemBundle(int(state.range(0)), kNow, 16, true) + p.rootPem);
    double worst = 0;
    for (auto _ : state) {
        Rotation::Settings settings;
        settings.stateDir = dir.filePath(QStringLiteral("state"));
        Rotation r(settings);
        Rotation::Request request;
        request.candidatePath = candidate;
        // With a target, the gate probes it with the 10,001-certificate bundle (the probe layer's cost);
        // without, staging is reading, parsing, previewing, the gate's lint and the state file alone.
        const QStringList targets = state.range(1) ? QStringList { p.targets.first() } : QStringList {};
        request.destinations << Rotation::DestinationSpec { store, targets, 0, {}, -1 };
        // A 1 ms timer: the longest gap between two of its ticks is the longest stall of this loop.
        QElapsedTimer sinceTick;
        double stall = 0;
        QTimer tick;
        tick.setTimerType(Qt::PreciseTimer);
        tick.setInterval(1);
        QObject::connect(&tick, &QTimer::timeout, [&] {
            stall = std::max(stall, double(sinceTick.nsecsElapsed()) / 1e6);
            sinceTick.restart();
        });
        sinceTick.start();
        tick.start();
        const Outcome o = test::runRotationStep(r, [&] { r.stage(request); });
        tick.stop();
        if (!o.ok)
            state.SkipWithError(qPrintable(o.message));
        worst = std::max(worst, stall);
        r.discard();
    }
    state.counters["max_stall_ms"] = worst;
}
BENCHMARK(BM_Stage10000CertificatesEventLoopStall)
    ->Args({ 10000, 0 })
    ->Args({ 10000, 1 })
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
