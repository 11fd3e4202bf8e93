// SPDX-License-Identifier: GPL-3.0-or-later
// The console's trust-store table with 10,000 certificates: preparing the rows (off the GUI thread
// in the product), a full data() pass, filtering and sorting through the proxy, and painting one
// scrolled screenful of the real QTableView (what "scrolls smoothly" costs per frame).
// Reproduce: QT_QPA_PLATFORM=offscreen build/tests/bench/bench_trust_table --benchmark_min_time=1
#include "CertFactory.h"
#include "TrustStoreModel.h"
#include "TrustStoreView.h"
#include "x509/Bundle.h"

#include <QApplication>
#include <QDateTime>
#include <QPixmap>
#include <QScrollBar>
#include <QSortFilterProxyModel>
#include <QTableView>

#include <benchmark/benchmark.h>

using namespace certrotor;
using namespace certrotor::gui;

namespace {

const qint64 kNow = QDateTime::currentSecsSinceEpoch();

std::shared_ptr<const Bundle> bulk(int count)
{
    static QHash<int, std::shared_ptr<const Bundle>> cache;
    auto it = cache.find(count);
    if (it == cache.end())
        it = cache.insert(count, std::make_shared<const Bundle>(
                                     parseBundle(test::makeBulkPemBundle(count, kNow, 16, true), QStringLiteral("bench.pem"))));
    return it.value();
}

void BM_PrepareSnapshot(benchmark::State& state)
{
    const auto bundle = bulk(int(state.range(0)));
    for (auto _ : state) {
        StoreSnapshot s = StoreSnapshot::prepare(bundle, kNow, 30);
        benchmark::DoNotOptimize(s.rows.size());
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_PrepareSnapshot)->Arg(10000)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_TableDataFullPass(benchmark::State& state)
{
    TrustStoreModel model;
    model.setSnapshot(StoreSnapshot::prepare(bulk(int(state.range(0))), kNow, 30));
    for (auto _ : state) {
        qsizetype n = 0;
        for (int r = 0; r < model.rowCount(); ++r) {
            for (int c = 0; c < TrustStoreModel::ColumnCount; ++c) {
                const QModelIndex i = model.index(r, c);
                n += model.data(i, Qt::DisplayRole).toString().size();
                benchmark::DoNotOptimize(model.data(i, Qt::BackgroundRole));
            }
        }
        benchmark::DoNotOptimize(n);
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_TableDataFullPass)->Arg(10000)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_ProxyFilter(benchmark::State& state)
{
    TrustStoreView view;
    view.setSnapshot(StoreSnapshot::prepare(bulk(int(state.range(0))), kNow, 30), QStringLiteral("bench.pem"));
    int i = 0;
    for (auto _ : state) {
        view.proxy()->setFilterFixedString(QStringLiteral("bulk ca %1").arg(1000 + (i++ % 5000)));
        benchmark::DoNotOptimize(view.proxy()->rowCount());
        view.proxy()->setFilterFixedString(QString());
    }
}
BENCHMARK(BM_ProxyFilter)->Arg(10000)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_ProxySort(benchmark::State& state)
{
    TrustStoreView view;
    view.setSnapshot(StoreSnapshot::prepare(bulk(int(state.range(0))), kNow, 30), QStringLiteral("bench.pem"));
    bool ascending = true;
    for (auto _ : state) {
        view.table()->sortByColumn(TrustStoreModel::SubjectColumn, ascending ? Qt::AscendingOrder : Qt::DescendingOrder);
        ascending = !ascending;
        benchmark::DoNotOptimize(view.proxy()->index(0, 0));
    }
}
BENCHMARK(BM_ProxySort)->Arg(10000)->Unit(benchmark::kMillisecond)->UseRealTime();

// One frame while scrolling: move the scroll bar by a page and render the table (1200x800).
void BM_ScrollFrame(benchmark::State& state)
{
    TrustStoreView view;
    view.resize(1200, 800);
    view.setSnapshot(StoreSnapshot::prepare(bulk(int(state.range(0))), kNow, 30), QStringLiteral("bench.pem"));
    view.show();
    QCoreApplication::processEvents();
    QScrollBar* bar = view.table()->verticalScrollBar();
    QPixmap frame(view.table()->viewport()->size());
    int pos = 0;
    for (auto _ : state) {
        pos = (pos + bar->pageStep()) % std::max(1, bar->maximum());
        bar->setValue(pos);
        view.table()->viewport()->render(&frame);
    }
}
BENCHMARK(BM_ScrollFrame)->Arg(10000)->Unit(benchmark::kMillisecond)->UseRealTime();

} // namespace

int main(int argc, char** argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
