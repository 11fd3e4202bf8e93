// SPDX-License-Identifier: GPL-3.0-or-later
// The whole drill, after the build (issue 10: ≤ 10 s on this machine): keys made, helpers started, every
// step of the rotation and the rollback confirmed by live gRPC probes, helpers stopped, sandbox removed.
//  - BM_Drill/kube:0 and /kube:1 — drill::Drill in this process, a bundle file or a Secret on the
//    Kubernetes API helper; counters: each step's share (the switch waits for the servers' 1 s reload);
//  - BM_DrillCli — `certrotor-cli drill` as an operator runs it (process start and report included).
// Reproduce: build/tests/bench/bench_drill   (about 30 s)
#include "TestUtil.h"
#include "drill/Drill.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QTimer>

#include <benchmark/benchmark.h>

using namespace certrotor;

namespace {

void BM_Drill(benchmark::State& state)
{
    const bool kube = state.range(0) != 0;
    std::map<std::string, double> stepMs;
    int runs = 0;
    for (auto _ : state) {
        drill::Drill::Options o;
        o.kube = kube;
        o.helperDir = QStringLiteral(CERTROTOR_HELPER_DIR);
        drill::Drill d(o);
        drill::Report report;
        QEventLoop loop;
        QObject::connect(&d, &drill::Drill::finished, &loop, [&](const drill::Report& r) {
            report = r;
            loop.quit();
        });
        QTimer::singleShot(60000, &loop, &QEventLoop::quit);
        QElapsedTimer t;
        t.start();
        d.start();
        loop.exec();
        state.SetIterationTime(double(t.nsecsElapsed()) / 1e9);
        if (!report.ok) {
            state.SkipWithError(qPrintable(report.error.isEmpty() ? QStringLiteral("timed out") : report.error));
            return;
        }
        for (const drill::Step& s : report.steps)
            stepMs[s.id.toStdString()] += double(s.durationMs);
        ++runs;
    }
    for (const auto& [id, ms] : stepMs)
        state.counters[id + "_ms"] = ms / runs;
}
BENCHMARK(BM_Drill)->ArgName("kube")->Arg(0)->Arg(1)->Iterations(5)->UseManualTime()->Unit(benchmark::kMillisecond);

void BM_DrillCli(benchmark::State& state)
{
    for (auto _ : state) {
        QElapsedTimer t;
        t.start();
        const test::ProcessResult r = test::runCli({ QStringLiteral("drill") }, {}, 60000);
        state.SetIterationTime(double(t.nsecsElapsed()) / 1e9);
        if (r.exitCode != 0) {
            state.SkipWithError(r.err.constData());
            return;
        }
    }
}
BENCHMARK(BM_DrillCli)->Iterations(5)->UseManualTime()->Unit(benchmark::kMillisecond);

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    qputenv("QT_LOGGING_RULES", "certrotor.*.info=false");
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
