// SPDX-License-Identifier: GPL-3.0-or-later
// The console's Audit tab on the offscreen platform: the model under QAbstractItemModelTester, records
// read from the file and then live through entryAdded, the filter, export of the shown records, the
// chain verified (intact, then with an edited record) off the GUI thread, and the tab in the window.
#include "AuditLogModel.h"
#include "AuditPanel.h"
#include "FileDialog.h"
#include "MainWindow.h"
#include "MessageBanner.h"
#include "ProbePanel.h"
#include "TestUtil.h"
#include "audit/AuditLog.h"
#include "util/Clock.h"

#include <QAbstractItemModelTester>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QPushButton>
#include <QLineEdit>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>

using namespace certrotor;
using namespace certrotor::gui;
using namespace certrotor::test;

class TestAuditPanel : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(m_dir.isValid());
    }

    void showsFiltersExportsAndVerifies()
    {
        const QString path = m_dir.filePath(QStringLiteral("audit.jsonl"));
        {
            AuditLog earlier(path); // records from before the console started
            earlier.openWithoutKeyring();
            QVERIFY(earlier.append(QStringLiteral("probe"), QJsonObject{{QStringLiteral("probeId"), QStringLiteral("id-one")},
                                                                         {QStringLiteral("target"), QStringLiteral("a:1")}})
                        .ok());
            QVERIFY(earlier.append(QStringLiteral("input-rejected"), QJsonObject{{QStringLiteral("value"), QStringLiteral("bad.pem")}}).ok());
            QVERIFY(earlier.waitForWritten());
        }
        AuditLog log(path);
        log.openWithoutKeyring();
        AuditPanel panel;
        QAbstractItemModelTester tester(panel.model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy reloaded(&panel, &AuditPanel::reloaded);
        panel.setAuditLog(&log);
        QVERIFY(reloaded.wait(10000));
        QCOMPARE(panel.model()->rowCount(), 2);
        QCOMPARE(panel.model()->data(panel.model()->index(0, AuditLogModel::EventColumn)).toString(), QStringLiteral("probe"));
        QVERIFY(panel.model()->data(panel.model()->index(0, AuditLogModel::SummaryColumn)).toString().contains(QLatin1String("probeId=id-one")));

        // A record written now shows without a reload.
        QVERIFY(log.append(QStringLiteral("probe"), QJsonObject{{QStringLiteral("probeId"), QStringLiteral("id-two")},
                                                                 {QStringLiteral("target"), QStringLiteral("b:2")}})
                    .ok());
        QTRY_COMPARE(panel.model()->rowCount(), 3);
        QCOMPARE(panel.model()->entry(2).seq, 3);
        // A reload does not repeat it.
        panel.reload();
        QVERIFY(reloaded.wait(10000));
        QCOMPARE(panel.model()->rowCount(), 3);

        // The filter matches every column; export writes what is shown.
        panel.findChild<QLineEdit*>(QStringLiteral("auditFilterLineEdit"))->setText(QStringLiteral("ID-TWO"));
        QCOMPARE(panel.proxy()->rowCount(), 1);
        QSignalSpy exported(&panel, &AuditPanel::exported);
        const QString json = m_dir.filePath(QStringLiteral("shown.json"));
        FileDialog::instance()->setNextFileName(json);
        panel.findChild<QPushButton*>(QStringLiteral("auditExportJsonPushButton"))->click();
        QVERIFY(exported.wait(10000));
        QVERIFY(exported.first().first().toBool());
        const QJsonArray records = QJsonDocument::fromJson(readFile(json)).array();
        QCOMPARE(records.size(), 1);
        QCOMPARE(records[0].toObject()[QLatin1String("data")].toObject()[QLatin1String("probeId")].toString(), QStringLiteral("id-two"));
        panel.findChild<QLineEdit*>(QStringLiteral("auditFilterLineEdit"))->clear();
        const QString csv = m_dir.filePath(QStringLiteral("all.csv"));
        FileDialog::instance()->setNextFileName(csv);
        panel.findChild<QPushButton*>(QStringLiteral("auditExportCsvPushButton"))->click();
        QVERIFY(exported.wait(10000));
        QCOMPARE(readFile(csv).count("\r\n"), 4);
        // An export that cannot be written says so and leaves nothing behind.
        panel.exportTo(m_dir.filePath(QStringLiteral("no/such/dir/x.csv")), QStringLiteral("csv"));
        QVERIFY(exported.wait(10000));
        QVERIFY(!exported.last().first().toBool());
        QCOMPARE(panel.banner()->kind(), MessageBanner::Kind::Error);

        // Verify: intact, then broken at the edited line; the GUI thread is never blocked on it.
        QSignalSpy verified(&panel, &AuditPanel::verified);
        panel.findChild<QPushButton*>(QStringLiteral("auditVerifyPushButton"))->click();
        QVERIFY(verified.wait(10000));
        QVERIFY2(verified.last().first().toBool(), qPrintable(verified.last().last().toString()));
        QVERIFY(panel.banner()->text().contains(QLatin1String("is intact: 3 record(s)")));
        QByteArray bytes = readFile(path);
        bytes.replace("id-one", "id-0ne");
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(bytes) == bytes.size());
        f.close();
        panel.verify();
        QVERIFY(verified.wait(10000));
        QVERIFY(!verified.last().first().toBool());
        QCOMPARE(panel.banner()->kind(), MessageBanner::Kind::Error);
        QVERIFY2(panel.banner()->text().contains(QLatin1String("broken at line 1")), qPrintable(panel.banner()->text()));
    }

    void modelClearsAndFollowsATruncatedLog()
    {
        AuditLogModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        const auto entry = [](qint64 seq) {
            AuditEntry e;
            e.seq = seq;
            e.event = QStringLiteral("test");
            e.mac = QStringLiteral("mac-%1").arg(seq);
            return e;
        };
        model.setEntries({entry(1), entry(2), entry(3)});
        model.addEntry(entry(4)); // live
        QCOMPARE(model.rowCount(), 4);
        // An empty read (a new, empty log) or clear() shows nothing of the old one.
        model.clear();
        QCOMPARE(model.rowCount(), 0);
        model.setEntries({entry(1), entry(2), entry(3)});
        model.addEntry(entry(4));
        model.setEntries({});
        QCOMPARE(model.rowCount(), 1); // only the record written while the (empty) file was read
        model.setEntries({entry(1), entry(2), entry(3), entry(4), entry(5)});
        QCOMPARE(model.rowCount(), 5);
        // The file was rotated: two records now. None of the five earlier rows stays.
        model.setEntries({entry(1), entry(2)});
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.entry(1).seq, 2);
        // A record written while the file was read stays once.
        model.addEntry(entry(3));
        model.setEntries({entry(1), entry(2)});
        QCOMPARE(model.rowCount(), 3);
        model.setEntries({entry(1), entry(2), entry(3)});
        QCOMPARE(model.rowCount(), 3);
    }

    void switchingLogsShowsOnlyTheNewOne()
    {
        const QString first = m_dir.filePath(QStringLiteral("first.jsonl"));
        {
            AuditLog log(first);
            log.openWithoutKeyring();
            for (int n = 0; n < 3; ++n)
                QVERIFY(log.append(QStringLiteral("test"), QJsonObject{{QStringLiteral("n"), n}}).ok());
            QVERIFY(log.waitForWritten());
        }
        AuditLog a(first);
        a.openWithoutKeyring();
        AuditLog b(m_dir.filePath(QStringLiteral("second-empty.jsonl"))); // nothing written yet
        b.openWithoutKeyring();
        AuditPanel panel;
        QSignalSpy reloaded(&panel, &AuditPanel::reloaded);
        panel.setAuditLog(&a);
        QVERIFY(reloaded.wait(10000));
        QCOMPARE(panel.model()->rowCount(), 3);
        panel.setAuditLog(&b);
        QCOMPARE(panel.model()->rowCount(), 0); // at once, not after the read
        QVERIFY(reloaded.wait(10000));
        QCOMPARE(panel.model()->rowCount(), 0);
    }

    void verificationOutlivesTheLog()
    {
        // The log is destroyed while its verification runs on the pool (the console at exit): the check
        // uses what it took on the GUI thread, the key included.
        const QByteArray key(32, '\x33');
        const QString path = m_dir.filePath(QStringLiteral("keyed.jsonl"));
        auto* log = new AuditLog(path);
        log->setKey(key);
        for (int n = 0; n < 200; ++n)
            QVERIFY(log->append(QStringLiteral("test"), QJsonObject{{QStringLiteral("n"), n}}).ok());
        QVERIFY(log->waitForWritten());
        AuditPanel panel;
        QSignalSpy verified(&panel, &AuditPanel::verified);
        panel.setAuditLog(log);
        panel.verify();
        delete log;
        QVERIFY(verified.wait(10000));
        QVERIFY2(verified.last().first().toBool(), qPrintable(verified.last().last().toString()));
        QCOMPARE(panel.banner()->kind(), MessageBanner::Kind::Info);
        QVERIFY(panel.banner()->text().contains(QLatin1String("is intact: 200 record(s), 200 with HMAC-SHA256")));

        // Without the key, the structure is intact but the log is not verified: a warning, never "intact".
        AuditLog keyless(path);
        keyless.openWithoutKeyring();
        panel.setAuditLog(&keyless);
        panel.verify();
        QVERIFY(verified.wait(10000));
        QVERIFY(!verified.last().first().toBool());
        QCOMPARE(panel.banner()->kind(), MessageBanner::Kind::Warning);
        QVERIFY2(panel.banner()->text().contains(QLatin1String("not verified: 200 records are keyed (HMAC)")),
                 qPrintable(panel.banner()->text()));
        QVERIFY(!panel.banner()->text().contains(QLatin1String("is intact:")));
    }

    void tabInTheConsole()
    {
        FixedClock clock(QDateTime::currentDateTimeUtc());
        AuditLog log(m_dir.filePath(QStringLiteral("console.jsonl")));
        log.openWithoutKeyring();
        MainWindow w(clock);
        QVERIFY(!w.auditPanel()); // no log, no tab
        w.setAuditLog(&log);
        QVERIFY(w.auditPanel());
        QVERIFY(w.tabs()->indexOf(w.auditPanel()) >= 0);
        QCOMPARE(w.tabs()->tabText(w.tabs()->indexOf(w.auditPanel())), QStringLiteral("Audit"));
        QCOMPARE(w.probePanel()->auditLog(), &log);
    }
};

QTEST_MAIN(TestAuditPanel)
#include "TestAuditPanel.moc"
