// SPDX-License-Identifier: GPL-3.0-or-later
// Probe latency on loopback: fresh TCP + TLS handshake + HTTP/2 + grpc.health.v1.Health/Check.
// Our Qt client (GrpcProbe) against grpc++'s own client opening a fresh channel per call, with the
// same trust bundle, against the same grpc++ server, in the same run. Then 50 targets in parallel
// against one.
// Reproduce: build/tests/bench/bench_probe   (about 10 s; p50_ms / p99_ms are per-probe latencies)
#include "CertFactory.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "probe/GrpcProbe.h"
#include "probe/ProbePlan.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>

#include <benchmark/benchmark.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include <sys/resource.h>
#include <unistd.h>

using namespace certrotor;

namespace {

struct Fixture
{
    QTemporaryDir dir;
    test::Hierarchy pki;
    QList<Certificate> bundle;
    std::string rootPem;
    QProcess server;
    quint16 port = 0;
    QString error;

    Fixture()
    {
        pki = test::makeHierarchy(QDateTime::currentSecsSinceEpoch(), QStringLiteral("Bench"));
        bundle = {Certificate::fromDer(pki.root.der()).value()};
        rootPem = pki.root.pem().toStdString();
        const QString cert = dir.filePath(QStringLiteral("server.pem")), key = dir.filePath(QStringLiteral("server.key"));
        test::writeFile(cert, pki.leaf.pem() + pki.intermediate.pem());
        test::writeFile(key, pki.leaf.keyPem());
        server.start(QStringLiteral(CERTROTOR_DRILL_SERVER),
                     { QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--cert"), cert,
                       QStringLiteral("--key"), key });
        QByteArray out;
        for (int i = 0; i < 100 && port == 0 && server.waitForStarted(5000); ++i) {
            server.waitForReadyRead(100);
            out += server.readAllStandardOutput();
            const auto m = QRegularExpression(QStringLiteral("LISTENING (\\d+)")).match(QString::fromUtf8(out));
            if (m.hasMatch())
                port = quint16(m.captured(1).toUInt());
        }
        if (port == 0)
            error = QStringLiteral("test server did not start: ") + QString::fromUtf8(server.readAllStandardError());
    }
    ~Fixture()
    {
        server.kill();
        server.waitForFinished(5000);
    }
};

Fixture& fixture()
{
    static Fixture f;
    return f;
}

ProbeTarget target()
{
    return ProbeTarget{QStringLiteral("127.0.0.1"), fixture().port, {}, {}};
}

// CPU time used so far, in ms: by this process (all threads) and by the test server process.
double processCpuMs()
{
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3 + double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e3;
}

double serverCpuMs()
{
    QFile stat(QStringLiteral("/proc/%1/stat").arg(fixture().server.processId()));
    if (!stat.open(QIODevice::ReadOnly))
        return 0;
    const QByteArray line = stat.readAll();
    const QList<QByteArray> fields = line.mid(line.lastIndexOf(')') + 2).split(' '); // fields from 3 on
    const double ticks = fields.value(11).toDouble() + fields.value(12).toDouble(); // utime, stime (14, 15)
    return ticks * 1e3 / double(sysconf(_SC_CLK_TCK));
}

// What one probe costs in CPU on each side: the floor for N probes in parallel on this machine is
// N x (client + server) / cores, whatever the client does.
struct CpuMeter
{
    double client0 = processCpuMs();
    double server0 = serverCpuMs();
    void report(benchmark::State& state, double probes, int parallel = 1) const
    {
        const double client = (processCpuMs() - client0) / probes;
        const double server = (serverCpuMs() - server0) / probes;
        state.counters["client_cpu_ms_per_probe"] = client;
        state.counters["server_cpu_ms_per_probe"] = server;
        // No client can finish `parallel` probes against local servers faster than this here.
        if (parallel > 1)
            state.counters["cpu_floor_ms"] = double(parallel) * (client + server) / double(std::max(1u, std::thread::hardware_concurrency()));
    }
};

void percentiles(benchmark::State& state, std::vector<double> ms)
{
    if (ms.empty())
        return;
    std::sort(ms.begin(), ms.end());
    const auto at = [&](double q) { return ms[std::min(ms.size() - 1, std::size_t(q * double(ms.size() - 1) + 0.5))]; };
    state.counters["p50_ms"] = at(0.50);
    state.counters["p99_ms"] = at(0.99);
    state.counters["max_ms"] = ms.back();
}

// One probe as the product runs it: its own QNetworkAccessManager, full handshake, the event loop
// turning until finished(). Latency is from constructing the probe to its result (the probe's
// clean-up afterwards is not counted, as grpc++'s channel teardown is not counted either).
void BM_QtProbeFreshConnection(benchmark::State& state)
{
    Fixture& f = fixture();
    if (f.port == 0) {
        state.SkipWithError(f.error.toStdString().c_str());
        return;
    }
    ProbeOptions options;
    options.bundle = f.bundle;
    std::vector<double> ms, connect, tls, rpc;
    const CpuMeter cpu;
    for (auto _ : state) {
        QElapsedTimer t;
        t.start();
        GrpcProbe probe(target(), options);
        QEventLoop loop;
        double resultAt = 0; // latency = construction to the result; clean-up afterwards is not counted
        QObject::connect(&probe, &GrpcProbe::finished, &loop, [&] {
            resultAt = double(t.nsecsElapsed()) / 1e6;
            loop.quit();
        });
        probe.start();
        if (!probe.isFinished())
            loop.exec();
        ms.push_back(resultAt);
        if (!probe.result().ok) {
            state.SkipWithError(probe.result().summary().toStdString().c_str());
            break;
        }
        connect.push_back(probe.result().timings.connectMs);
        tls.push_back(probe.result().timings.tlsMs);
        rpc.push_back(probe.result().timings.rpcMs);
    }
    cpu.report(state, double(state.iterations()));
    percentiles(state, ms);
    // Where the time goes (medians of the probe's own phase timings, see ProbeTimings).
    const auto quantile = [](std::vector<double> v, double q) {
        std::sort(v.begin(), v.end());
        return v.empty() ? 0.0 : v[std::min(v.size() - 1, std::size_t(q * double(v.size() - 1) + 0.5))];
    };
    state.counters["connect_p50_ms"] = quantile(connect, 0.5);
    state.counters["tls_p50_ms"] = quantile(tls, 0.5);
    state.counters["rpc_p50_ms"] = quantile(rpc, 0.5);
    state.counters["connect_p99_ms"] = quantile(connect, 0.99);
    state.counters["tls_p99_ms"] = quantile(tls, 0.99);
    state.counters["rpc_p99_ms"] = quantile(rpc, 0.99);
}
BENCHMARK(BM_QtProbeFreshConnection)->Iterations(200)->Unit(benchmark::kMillisecond)->UseRealTime();

// grpc++'s own client, a fresh channel per call (local subchannel pool: no connection sharing
// between channels), trusting the same root. With reuseCredentials the SslCredentials object (and
// with it grpc's SSL_CTX, built once per credentials object) is shared by all calls, as an
// application would; without, every call also builds its credentials, as every Qt probe builds its
// own SSL context.
void grpcCppFreshChannel(benchmark::State& state, bool reuseCredentials)
{
    Fixture& f = fixture();
    if (f.port == 0) {
        state.SkipWithError(f.error.toStdString().c_str());
        return;
    }
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = f.rootPem;
    const auto shared = grpc::SslCredentials(ssl);
    const std::string address = "127.0.0.1:" + std::to_string(f.port);
    std::vector<double> ms;
    const CpuMeter cpu;
    for (auto _ : state) {
        QElapsedTimer t;
        t.start();
        grpc::ChannelArguments args;
        args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
        auto channel = grpc::CreateCustomChannel(address, reuseCredentials ? shared : grpc::SslCredentials(ssl), args);
        auto stub = grpc::health::v1::Health::NewStub(channel);
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
        grpc::health::v1::HealthCheckRequest request;
        grpc::health::v1::HealthCheckResponse response;
        const grpc::Status status = stub->Check(&context, request, &response);
        ms.push_back(double(t.nsecsElapsed()) / 1e6);
        if (!status.ok() || response.status() != grpc::health::v1::HealthCheckResponse::SERVING) {
            state.SkipWithError(("grpc++ call failed: " + status.error_message()).c_str());
            break;
        }
    }
    cpu.report(state, double(state.iterations()));
    percentiles(state, ms);
}

void BM_GrpcCppFreshChannel(benchmark::State& state)
{
    grpcCppFreshChannel(state, true);
}
BENCHMARK(BM_GrpcCppFreshChannel)->Iterations(200)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_GrpcCppFreshChannelAndCredentials(benchmark::State& state)
{
    grpcCppFreshChannel(state, false);
}
BENCHMARK(BM_GrpcCppFreshChannelAndCredentials)->Iterations(200)->Unit(benchmark::kMillisecond)->UseRealTime();

// A plan of N targets (each its own fresh connection) in parallel; compare N=50 with N=1.
void BM_ProbePlanParallel(benchmark::State& state)
{
    Fixture& f = fixture();
    if (f.port == 0) {
        state.SkipWithError(f.error.toStdString().c_str());
        return;
    }
    const QList<ProbeTarget> targets(state.range(0), target());
    std::vector<double> ms;
    const CpuMeter cpu;
    for (auto _ : state) {
        QElapsedTimer t;
        t.start();
        ProbePlan plan(targets, {{QStringLiteral("candidate"), PlanBundle::Role::Candidate, f.bundle}},
                       ProbePlan::Settings{});
        QEventLoop loop;
        double resultAt = 0;
        QObject::connect(&plan, &ProbePlan::finished, &loop, [&] {
            resultAt = double(t.nsecsElapsed()) / 1e6;
            loop.quit();
        });
        plan.start();
        if (!plan.isFinished())
            loop.exec();
        ms.push_back(resultAt);
        if (!plan.verdict().passed()) {
            state.SkipWithError(plan.verdict().text.toStdString().c_str());
            break;
        }
    }
    cpu.report(state, double(state.iterations() * state.range(0)), int(state.range(0)));
    percentiles(state, ms);
}
BENCHMARK(BM_ProbePlanParallel)->Arg(1)->Iterations(30)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ProbePlanParallel)->Arg(50)->Iterations(30)->Unit(benchmark::kMillisecond)->UseRealTime();

// The same load from grpc++: N threads, each a fresh channel and one call, all at once. What this
// machine and server can do with N parallel handshakes, as a yardstick for the plan above.
void BM_GrpcCppParallel(benchmark::State& state)
{
    Fixture& f = fixture();
    if (f.port == 0) {
        state.SkipWithError(f.error.toStdString().c_str());
        return;
    }
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = f.rootPem;
    const auto credentials = grpc::SslCredentials(ssl);
    const std::string address = "127.0.0.1:" + std::to_string(f.port);
    std::vector<double> ms;
    const CpuMeter cpu;
    for (auto _ : state) {
        QElapsedTimer t;
        t.start();
        std::atomic<int> failures{0};
        std::vector<std::thread> threads;
        for (int i = 0; i < state.range(0); ++i) {
            threads.emplace_back([&] {
                grpc::ChannelArguments args;
                args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
                auto stub = grpc::health::v1::Health::NewStub(grpc::CreateCustomChannel(address, credentials, args));
                grpc::ClientContext context;
                context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
                grpc::health::v1::HealthCheckRequest request;
                grpc::health::v1::HealthCheckResponse response;
                if (!stub->Check(&context, request, &response).ok())
                    ++failures;
            });
        }
        for (std::thread& th : threads)
            th.join();
        ms.push_back(double(t.nsecsElapsed()) / 1e6);
        if (failures > 0) {
            state.SkipWithError("grpc++ calls failed");
            break;
        }
    }
    cpu.report(state, double(state.iterations() * state.range(0)), int(state.range(0)));
    percentiles(state, ms);
}
BENCHMARK(BM_GrpcCppParallel)->Arg(1)->Iterations(30)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_GrpcCppParallel)->Arg(50)->Iterations(30)->Unit(benchmark::kMillisecond)->UseRealTime();

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv); // QNetworkAccessManager needs an application object and event loop
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
