// SPDX-License-Identifier: GPL-3.0-or-later
// The console's item models (QAbstractItemModelTester on each, 10,000 rows included), the proxy's
// filter and sort, and the expiry timeline's geometry.

#include "DiffModel.h"
#include "ExpiryTimeline.h"
#include "GuiFixtures.h"
#include "SecretCatalog.h"
#include "SecretPickerDialog.h"
#include "SourcesModel.h"
#include "TrustStoreModel.h"
#include "TrustStoreView.h"
#include "UiStyle.h"
#include "rotation/IncomingAnalysis.h"
#include "util/Clock.h"

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QLineEdit>
#include <QListWidget>
#include <QPointer>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTest>

using namespace certrotor;
using namespace certrotor::gui;
using namespace certrotor::test;

namespace {

std::shared_ptr<const Bundle> bundleOf(const QByteArray& pem, const QString& name = QStringLiteral("test.pem"))
{
    return std::make_shared<const Bundle>(parseBundle(pem, name));
}

/// A source the test drives by hand.
class ManualSource : public Source
{
public:
    explicit ManualSource(QString id) : m_id(std::move(id)) {}
    QString id() const override { return m_id; }
    QString displayName() const override { return m_id; }
    void start() override { setStatus(Status::Watching); }
    void stop() override { setStatus(Status::Idle); }
    void fail(const QString& error) { setStatus(Status::Error, error); }
    void push(std::shared_ptr<const Bundle> b) { deliver(SourceUpdate{std::move(b), QStringLiteral("rev"), QDateTime::currentDateTimeUtc(), -1}); }

private:
    QString m_id;
};

class FakeCatalog : public SecretCatalog
{
public:
    void listContexts(QObject*, std::function<void(QStringList, QString, QString)> done) override
    {
        done({QStringLiteral("kind-a"), QStringLiteral("prod")}, QStringLiteral("prod"), {});
    }
    void listNamespaces(const QString& ctx, QObject*, std::function<void(QStringList, QString)> done) override
    {
        if (ctx == QLatin1String("prod"))
            done({QStringLiteral("default"), QStringLiteral("gateway")}, {});
        else
            done({}, QStringLiteral("forbidden: cannot list namespaces"));
    }
    void listCaObjects(const QString&, const QString& ns, QObject*,
                       std::function<void(QList<SecretEntry>, QString)> done) override
    {
        if (ns == QLatin1String("default"))
            done({ SecretEntry { kube::KubeObjectRef::Kind::Secret,
                                 QStringLiteral("gateway-ca"),
                                 { QStringLiteral("ca.crt"), QStringLiteral("tls.crt") } },
                   SecretEntry { kube::KubeObjectRef::Kind::ConfigMap,
                                 QStringLiteral("trust-bundle"),
                                 { QStringLiteral("root-certs.pem") } } },
                 {});
        else
            done({}, {});
    }
};

} // namespace

class TestGuiModels : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        m_now = guiNow().toSecsSinceEpoch();
        m_set = makeRotationSet(m_now);
        QVERIFY(m_set.oldRoot.cert && m_set.intermediate.cert && m_set.expired.cert && m_set.newRoot.cert && m_set.sha1Ca.cert);
    }

    void trustStoreRows()
    {
        TrustStoreModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setSnapshot(StoreSnapshot::prepare(bundleOf(m_set.storePem()), m_now, 30));
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.columnCount(), int(TrustStoreModel::ColumnCount));

        const auto cell = [&](int row, int col, int role = Qt::DisplayRole) { return model.index(row, col).data(role); };
        QCOMPARE(cell(0, TrustStoreModel::SubjectColumn).toString(), QStringLiteral("Old Root CA"));
        QCOMPARE(cell(1, TrustStoreModel::IssuerColumn).toString(), QStringLiteral("Old Root CA"));
        QCOMPARE(cell(0, TrustStoreModel::KeyColumn).toString(), QStringLiteral("EC P-256"));
        QCOMPARE(cell(0, TrustStoreModel::SignatureColumn).toString(), QStringLiteral("ecdsa-with-SHA256"));
        // Days left and urgency: 20 days is under the 30-day threshold, the expired CA is expired.
        QCOMPARE(cell(0, TrustStoreModel::DaysLeftColumn).toString(), QStringLiteral("20 d"));
        QCOMPARE(cell(0, TrustStoreModel::DaysLeftColumn, TrustStoreModel::UrgencyRole).toInt(), int(Urgency::Soon));
        QCOMPARE(cell(1, TrustStoreModel::DaysLeftColumn, TrustStoreModel::UrgencyRole).toInt(), int(Urgency::Fine));
        QCOMPARE(cell(2, TrustStoreModel::DaysLeftColumn, TrustStoreModel::UrgencyRole).toInt(), int(Urgency::Expired));
        QCOMPARE(cell(2, TrustStoreModel::DaysLeftColumn).toString(), QStringLiteral("expired 5 d ago"));
        QCOMPARE(cell(2, TrustStoreModel::DaysLeftColumn, Qt::BackgroundRole).value<QColor>(), urgencyBackground(Urgency::Expired));
        QCOMPARE(cell(0, TrustStoreModel::DaysLeftColumn, Qt::ForegroundRole).value<QColor>(), urgencyForeground(Urgency::Soon));
        // SHA-256: short in the cell, full on hover.
        const QString full = model.snapshot().bundle->entries.at(0).certificate.info().sha256Hex();
        QCOMPARE(cell(0, TrustStoreModel::Sha256Column).toString(), full.left(16));
        QCOMPARE(cell(0, TrustStoreModel::Sha256Column, Qt::ToolTipRole).toString(), full);
        // Findings: codes in the cell, an icon, the messages in the tooltip.
        QVERIFY(cell(2, TrustStoreModel::FindingsColumn).toString().contains(QLatin1String("expired")));
        QVERIFY(cell(0, TrustStoreModel::FindingsColumn).toString().contains(QLatin1String("expires-soon")));
        QVERIFY(!cell(2, TrustStoreModel::FindingsColumn, Qt::DecorationRole).value<QIcon>().isNull());
        QVERIFY(cell(2, TrustStoreModel::FindingsColumn, Qt::ToolTipRole).toString().contains(QLatin1String("rror")));

        // A new snapshot resets cleanly (the tester checks the signals).
        model.setSnapshot(StoreSnapshot::prepare(bundleOf(pemBundle({&m_set.newRoot})), m_now, 30));
        QCOMPARE(model.rowCount(), 1);
        model.setSnapshot({});
        QCOMPARE(model.rowCount(), 0);
    }

    void filterAndSort()
    {
        TrustStoreView view;
        QAbstractItemModelTester tester(view.proxy(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        const QByteArray pem = pemBundle({&m_set.oldRoot, &m_set.intermediate, &m_set.expired, &m_set.newRoot, &m_set.sha1Ca});
        view.setSnapshot(StoreSnapshot::prepare(bundleOf(pem), m_now, 30), QStringLiteral("store.pem"));
        auto* proxy = view.proxy();
        QCOMPARE(proxy->rowCount(), 5);

        // Sorted by days left, ascending, by default: the expired CA first, the new root last.
        QCOMPARE(proxy->index(0, TrustStoreModel::SubjectColumn).data().toString(), QStringLiteral("Expired CA"));
        QCOMPARE(proxy->index(4, TrustStoreModel::SubjectColumn).data().toString(), QStringLiteral("New Root CA"));
        view.table()->sortByColumn(TrustStoreModel::SubjectColumn, Qt::AscendingOrder);
        QStringList subjects;
        for (int r = 0; r < proxy->rowCount(); ++r)
            subjects << proxy->index(r, TrustStoreModel::SubjectColumn).data().toString();
        QCOMPARE(subjects, (QStringList{QStringLiteral("Expired CA"), QStringLiteral("Issuing CA"), QStringLiteral("Legacy SHA1 CA"),
                                        QStringLiteral("New Root CA"), QStringLiteral("Old Root CA")}));
        view.table()->sortByColumn(TrustStoreModel::DaysLeftColumn, Qt::DescendingOrder);
        QCOMPARE(proxy->index(0, TrustStoreModel::SubjectColumn).data().toString(), QStringLiteral("New Root CA"));

        // Filter through the line edit: by issuer (the intermediate is issued by the old root), by
        // SHA-256 prefix (not shown in full in the table), case-insensitively.
        QTest::keyClicks(view.filterEdit(), QStringLiteral("old root"));
        QCOMPARE(proxy->rowCount(), 2);
        const QString sha = m_set.newRoot.der().isEmpty() ? QString() : bundleOf(pemBundle({&m_set.newRoot}))->entries.at(0).certificate.info().sha256Hex();
        view.filterEdit()->setText(sha.mid(20, 24).toUpper());
        QCOMPARE(proxy->rowCount(), 1);
        QCOMPARE(proxy->index(0, TrustStoreModel::SubjectColumn).data().toString(), QStringLiteral("New Root CA"));
        view.filterEdit()->setText(QStringLiteral("no such certificate"));
        QCOMPARE(proxy->rowCount(), 0);
        view.filterEdit()->clear();
        QCOMPARE(proxy->rowCount(), 5);

        // Selecting a row fills the details pane and the PEM.
        view.table()->selectRow(0);
        QCOMPARE(view.currentEntry(), 3);
        QVERIFY(view.currentPem().startsWith(QLatin1String("-----BEGIN CERTIFICATE-----")));
        auto* details = view.findChild<QWidget*>(QStringLiteral("detailsTextBrowser"));
        QVERIFY(details);
    }

    void tenThousandRows()
    {
        Issued signer;
        const QByteArray pem = makeBulkPemBundle(10000, m_now, 8, true, &signer);
        QVERIFY(!pem.isEmpty());
        const auto bundle = bundleOf(pem, QStringLiteral("bulk.pem"));
        QCOMPARE(bundle->entries.size(), 10000);
        TrustStoreModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSortFilterProxyModel proxy;
        proxy.setSourceModel(&model);
        proxy.setSortRole(TrustStoreModel::SortRole);
        proxy.setFilterRole(TrustStoreModel::FilterRole);
        proxy.setFilterCaseSensitivity(Qt::CaseInsensitive);
        QAbstractItemModelTester proxyTester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setSnapshot(StoreSnapshot::prepare(bundle, m_now, 30));
        QCOMPARE(model.rowCount(), 10000);
        QCOMPARE(proxy.rowCount(), 10000);
        proxy.sort(TrustStoreModel::SubjectColumn, Qt::DescendingOrder);
        QCOMPARE(proxy.index(0, 0).data().toString(), QStringLiteral("Bulk CA 9999"));
        proxy.setFilterFixedString(QStringLiteral("bulk ca 1234"));
        QCOMPARE(proxy.rowCount(), 1);
        // The diff of an empty store against it: 10,000 "added" rows.
        DiffModel diff;
        QAbstractItemModelTester diffTester(&diff, QAbstractItemModelTester::FailureReportingMode::QtTest);
        diff.setDiff(analyzeIncoming(nullptr, bundle, m_now, 30).diff);
        QCOMPARE(diff.count(DiffModel::Kind::Added), 10000);
        QCOMPARE(diff.rowCount(), 10000);
        // Every row's data comes from the precomputed rows; reading all of it stays cheap.
        int keys = 0;
        for (int r = 0; r < model.rowCount(); ++r)
            keys += model.index(r, TrustStoreModel::KeyColumn).data().toString().isEmpty() ? 0 : 1;
        QCOMPARE(keys, 10000);
    }

    void sourcesModel()
    {
        // A view over the provider that owns the sources (the workspace's in the console).
        TrustStoreProvider provider;
        SourcesModel model(&provider);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        auto* a = new ManualSource(QStringLiteral("/watched/a.pem"));
        auto* b = new ManualSource(QStringLiteral("secret://prod/default/gateway-ca#ca.crt"));
        QVERIFY(provider.addSource(a)); // and starts it
        QVERIFY(provider.addSource(b));
        ManualSource duplicate(QStringLiteral("/watched/a.pem"));
        QVERIFY(!provider.addSource(&duplicate, TrustStoreProvider::Ownership::Borrow)); // duplicate id
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.index(0, SourcesModel::StatusColumn).data().toString(), QStringLiteral("watching"));
        QSignalSpy changed(&model, &SourcesModel::dataChanged);
        a->stop();
        QCOMPARE(changed.size(), 1);
        QCOMPARE(model.index(0, SourcesModel::StatusColumn).data().toString(), QStringLiteral("idle"));
        b->fail(QStringLiteral("Unauthorized: the token was rejected"));
        QCOMPARE(model.index(1, SourcesModel::StatusColumn).data().toString(), QStringLiteral("error"));
        QCOMPARE(model.index(1, SourcesModel::ErrorColumn).data().toString(), QStringLiteral("Unauthorized: the token was rejected"));
        QVERIFY(!model.index(1, SourcesModel::NameColumn).data(Qt::DecorationRole).value<QIcon>().isNull());
        a->push(bundleOf(m_set.storePem()));
        QCOMPARE(model.index(0, SourcesModel::CertificatesColumn).data().toInt(), 3);
        QPointer<ManualSource> removed(a);
        model.removeSource(0);
        QCOMPARE(model.rowCount(), 1);
        QVERIFY(removed.isNull()); // the provider deleted it
        QCOMPARE(provider.sourceIds(), QStringList { QStringLiteral("secret://prod/default/gateway-ca#ca.crt") });
        QCOMPARE(model.index(0, 0).data(SourcesModel::IdRole).toString(), QStringLiteral("secret://prod/default/gateway-ca#ca.crt"));
    }

    void diffModel()
    {
        // The intermediate renewed with the same key: a "renewed" pair, not added + removed.
        const qint64 d = kSecondsPerDay;
        CertSpec spec;
        spec.commonName = QStringLiteral("Issuing CA");
        spec.extraSubject = {{QStringLiteral("O"), QStringLiteral("CertRotor GUI Test")}};
        spec.notBefore = m_now - d;
        spec.notAfter = m_now + 800 * d;
        spec.isCA = true;
        Issued renewed = issue(spec, m_set.intermediate.clone().key, &m_set.newRoot);
        QVERIFY(renewed.cert);
        const auto store = bundleOf(m_set.storePem());
        const auto incoming = bundleOf(pemBundle({&m_set.oldRoot, &renewed, &m_set.newRoot}));
        const IncomingAnalysis a = analyzeIncoming(store, incoming, m_now, 30);
        DiffModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setDiff(a.diff);
        QCOMPARE(model.count(DiffModel::Kind::Renewed), 1);
        QCOMPARE(model.count(DiffModel::Kind::Added), 1);   // the new root
        QCOMPARE(model.count(DiffModel::Kind::Removed), 1); // the expired CA
        QCOMPARE(model.count(DiffModel::Kind::Kept), 1);    // the old root
        QCOMPARE(model.rowCount(), 4);
        QCOMPARE(model.index(0, DiffModel::ChangeColumn).data().toString(), QStringLiteral("renewed"));
        QCOMPARE(model.index(0, DiffModel::ChangeColumn).data(Qt::BackgroundRole).value<QColor>(),
                 DiffModel::kindColor(DiffModel::Kind::Renewed));
        QVERIFY(model.index(0, DiffModel::NotAfterColumn).data().toString().contains(QStringLiteral("→")));
        model.setDiff({});
        QCOMPARE(model.rowCount(), 0);
    }

    void timelineGeometry()
    {
        const auto store = bundleOf(pemBundle({&m_set.oldRoot}));
        const auto incoming = bundleOf(pemBundle({&m_set.newRoot}));
        const IncomingAnalysis a = analyzeIncoming(store, incoming, m_now, 30);
        // The old root (until now+20d) and the new root (from now-10d) overlap for 30 days.
        QCOMPARE(a.overlap.windows.size(), 1);
        const Overlap::Window w = a.overlap.windows.first();
        QCOMPARE(w.start, m_now - 10 * kSecondsPerDay);
        QCOMPARE(w.end, m_now + 20 * kSecondsPerDay);

        ExpiryTimeline timeline;
        timeline.resize(900, 240);
        timeline.setAnalysis(a);
        QCOMPARE(timeline.bars().size(), 2);
        QCOMPARE(timeline.bars().at(0).origin, ExpiryTimeline::Origin::Old);
        QCOMPARE(timeline.bars().at(1).origin, ExpiryTimeline::Origin::New);

        const QRectF plot = timeline.plotRect();
        const QRectF overlap = timeline.overlapRect();
        QVERIFY(!overlap.isEmpty());
        QCOMPARE(overlap.left(), timeline.xForTime(w.start));
        QCOMPARE(overlap.right(), timeline.xForTime(w.end));
        QCOMPARE(overlap.top(), plot.top());
        QCOMPARE(overlap.bottom(), plot.bottom());
        // The overlap is exactly where the old bar and the new bar are both drawn.
        const QRectF oldBar = timeline.barRect(0);
        const QRectF newBar = timeline.barRect(1);
        QCOMPARE(overlap.left(), newBar.left());
        QCOMPARE(overlap.right(), oldBar.right());
        // Today lies inside the window, the threshold (now + 30 d) after its end.
        QVERIFY(timeline.todayX() > overlap.left() && timeline.todayX() < overlap.right());
        QVERIFY(timeline.thresholdX() > overlap.right());
        QVERIFY(plot.contains(QPointF(timeline.xForTime(m_now), plot.center().y())));
        QVERIFY(qAbs(timeline.timeForX(timeline.xForTime(m_now)) - m_now) < 3600);

        // Hover: a bar tells its dates; the shaded window tells the overlap.
        const QString barTip = timeline.toolTipAt(newBar.center());
        QVERIFY2(barTip.contains(QLatin1String("New Root CA")) && barTip.contains(isoUtc(m_now - 10 * kSecondsPerDay).left(10)),
                 qPrintable(barTip));
        const QString overlapTip = timeline.toolTipAt(QPointF(overlap.center().x(), plot.top() + 1));
        QVERIFY2(overlapTip.contains(QLatin1String("Overlap")) && overlapTip.contains(QLatin1String("30 days")), qPrintable(overlapTip));

        // And it is painted: inside the window the gap above the first bar is tinted green;
        // outside it is the plain base colour.
        const QImage image = timeline.grab().toImage();
        const qreal y = plot.top() + 1;
        const QColor inside = image.pixelColor(QPoint(int(overlap.center().x()), int(y)));
        const QColor outside = image.pixelColor(QPoint(int(plot.left() + 3), int(y)));
        QVERIFY2(inside != outside, qPrintable(inside.name() + QLatin1Char(' ') + outside.name()));
        QVERIFY2(inside.green() > inside.red(), qPrintable(inside.name()));

        // No overlap: old and new never valid together.
        const Issued future = makeCa(QStringLiteral("Future CA"), m_now + 25 * kSecondsPerDay, m_now + 400 * kSecondsPerDay);
        QVERIFY(future.cert);
        const IncomingAnalysis none = analyzeIncoming(store, bundleOf(pemBundle({&future})), m_now, 30);
        QVERIFY(none.overlap.windows.isEmpty());
        timeline.setAnalysis(none);
        QVERIFY(timeline.overlapRect().isEmpty());
    }

    void timelineCapsBars()
    {
        const QByteArray pem = makeBulkPemBundle(100, m_now, 2, false);
        ExpiryTimeline timeline;
        timeline.resize(800, 600);
        timeline.setAnalysis(analyzeIncoming(nullptr, bundleOf(pem), m_now, 30));
        QCOMPARE(timeline.bars().size(), ExpiryTimeline::kMaxBars);
        QVERIFY(!timeline.grab().isNull());
    }

    void secretPicker()
    {
        FakeCatalog catalog;
        SecretPickerDialog dialog(&catalog);
        QCOMPARE(dialog.contextCombo()->count(), 2);
        QCOMPARE(dialog.contextCombo()->currentText(), QStringLiteral("prod")); // the current context
        QCOMPARE(dialog.namespaceCombo()->count(), 2);
        QCOMPARE(dialog.secretList()->count(), 3); // one line per CA-bearing key, ConfigMaps beside Secrets
        dialog.secretList()->setCurrentRow(0);
        QCOMPARE(dialog.spec(), QStringLiteral("secret://prod/default/gateway-ca#ca.crt"));
        QCOMPARE(dialog.secretList()->item(2)->text(), QStringLiteral("ConfigMap  trust-bundle  #root-certs.pem"));
        dialog.secretList()->setCurrentRow(2);
        QCOMPARE(dialog.spec(), QStringLiteral("configmap://prod/default/trust-bundle#root-certs.pem"));
        dialog.namespaceCombo()->setCurrentText(QStringLiteral("gateway"));
        QCOMPARE(dialog.secretList()->count(), 0);
        QVERIFY(dialog.spec().isEmpty());
        // A context where namespaces cannot be listed says so inline.
        dialog.contextCombo()->setCurrentText(QStringLiteral("kind-a"));
        QCOMPARE(dialog.errorText(), QStringLiteral("forbidden: cannot list namespaces"));
    }

private:
    qint64 m_now = 0;
    RotationSet m_set;
};

QTEST_MAIN(TestGuiModels)
#include "TestGuiModels.moc"
