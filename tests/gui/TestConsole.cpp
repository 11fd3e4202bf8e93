// SPDX-License-Identifier: GPL-3.0-or-later
// The console window end to end on the offscreen platform, with real FileSources on real files:
// open a store, a new bundle written into a watched directory shows up as an incoming preview with
// the right diff and findings, bad input shows a located error and changes nothing, the workspace
// and settings persist, and the main actions are on the keyboard.

#include "DiffModel.h"
#include "ExpiryTimeline.h"
#include "FileDialog.h"
#include "GuiFixtures.h"
#include "GuiSettings.h"
#include "IncomingView.h"
#include "MainWindow.h"
#include "MessageBanner.h"
#include "PastePemDialog.h"
#include "ProbePanel.h"
#include "RotatePanel.h"
#include "SettingsDialog.h"
#include "SourcesModel.h"
#include "TrustStoreView.h"
#include "util/Clock.h"

#include <QAction>
#include <QDialogButtonBox>
#include <QDir>
#include <QLabel>
#include <QLineEdit>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>
#include <QTreeWidget>
#include <QUrl>

using namespace certrotor;
using namespace certrotor::gui;
using namespace certrotor::test;

namespace {

QStringList storeFingerprints(const MainWindow& w)
{
    QStringList out;
    const auto b = w.storeBundle();
    if (b) {
        for (const BundleEntry& e : b->entries)
            out << e.certificate.info().sha256Hex();
    }
    return out;
}

} // namespace

class TestConsole : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("CertRotor"));
        QCoreApplication::setApplicationName(QStringLiteral("certrotor-test"));
        m_now = guiNow().toSecsSinceEpoch();
        m_set = makeRotationSet(m_now);
        QVERIFY(m_set.oldRoot.cert && m_set.newRoot.cert && m_set.sha1Ca.cert);
    }

    void init()
    {
        QVERIFY(m_dir.isValid());
        QSettings(QStringLiteral("CertRotor"), QStringLiteral("certrotor")).clear();
    }

    void openStore()
    {
        const QString storePath = m_dir.filePath(QStringLiteral("open/store.pem"));
        QVERIFY(writeFile(storePath, m_set.storePem()));
        FixedClock clock(guiNow());
        MainWindow w(clock);
        QSignalSpy loaded(&w, &MainWindow::storeLoaded);
        // Through the File ▸ Open action and the file dialog seam.
        FileDialog::instance()->setNextFileName(storePath);
        w.findChild<QAction*>(QStringLiteral("openStoreAction"))->trigger();
        QVERIFY(loaded.wait(10000));
        QCOMPARE(w.currentStorePath(), storePath);
        QCOMPARE(w.trustStoreView()->model()->rowCount(), 3);
        QVERIFY(w.findChild<QTableView*>(QStringLiteral("trustStoreTableView")));
        QVERIFY(w.banner()->isHidden());
    }

    void storeFollowsItsFile()
    {
        const QString storePath = m_dir.filePath(QStringLiteral("follow/store.pem"));
        QVERIFY(writeFile(storePath, m_set.storePem()));
        FixedClock clock(guiNow());
        MainWindow w(clock);
        QSignalSpy loaded(&w, &MainWindow::storeLoaded);
        QSignalSpy failed(&w, &MainWindow::storeLoadFailed);
        w.openStore(storePath);
        QVERIFY(loaded.wait(10000));
        QCOMPARE(w.trustStoreView()->model()->rowCount(), 3);
        // The store's watcher starts after the load; its first read finds what the loader parsed.
        // (Waited for: a replacement before that read would make it read the new revision instead.)
        QTRY_COMPARE(w.bundleCache().hits(), 1);
        QCOMPARE(w.bundleCache().misses(), 1);
        // Replaced on disk the way a committer does it (temp + rename): the table follows.
        const QString tmp = m_dir.filePath(QStringLiteral("follow/.store.pem.tmp"));
        QVERIFY(writeFile(tmp, m_set.storePem() + pemBundle({&m_set.newRoot})));
        QVERIFY(QFile::remove(storePath) && QFile::rename(tmp, storePath));
        QVERIFY(loaded.wait(10000));
        QCOMPARE(w.trustStoreView()->model()->rowCount(), 4);
        // Each revision is parsed once: the loader and the store's watcher share one parse, and the
        // change on disk is shown from the watcher's parse, not read and parsed again.
        QTRY_COMPARE(w.bundleCache().misses(), 2);
        QCOMPARE(w.bundleCache().hits(), 1); // still the watcher's first read only
        const QStringList four = storeFingerprints(w);
        // Garbage written over it: refused with the location, the table keeps the last good store.
        QVERIFY(writeFile(storePath, QByteArrayLiteral("-----BEGIN CERTIFICATE-----\n@@@@\n-----END CERTIFICATE-----\n")));
        QVERIFY(failed.wait(10000));
        QVERIFY2(failed.last().at(1).toString().contains(QLatin1String("block 1, line 2")), qPrintable(failed.last().at(1).toString()));
        QCOMPARE(storeFingerprints(w), four);
        QCOMPARE(w.trustStoreView()->model()->rowCount(), 4);
        QCOMPARE(w.currentStorePath(), storePath);
    }

    void bigStoreLoadsOffTheGuiThread()
    {
        const QString storePath = m_dir.filePath(QStringLiteral("big/store.pem"));
        QVERIFY(writeFile(storePath, makeBulkPemBundle(3000, m_now, 4, false)));
        FixedClock clock(guiNow());
        MainWindow w(clock);
        QSignalSpy loaded(&w, &MainWindow::storeLoaded);
        auto* progress = w.findChild<QWidget*>(QStringLiteral("loadProgressBar"));
        QVERIFY(progress);
        w.openStore(storePath);
        // openStore returned at once: the parse runs on the pool while the bar shows.
        QVERIFY(!progress->isHidden());
        QCOMPARE(w.trustStoreView()->model()->rowCount(), 0);
        QVERIFY(loaded.wait(30000));
        QVERIFY(progress->isHidden());
        QCOMPARE(w.trustStoreView()->model()->rowCount(), 3000);
    }

    void incomingFromWatchedDirectory()
    {
        const QString storePath = m_dir.filePath(QStringLiteral("watch/store.pem"));
        const QString incomingDir = m_dir.filePath(QStringLiteral("watch/incoming"));
        QVERIFY(writeFile(storePath, m_set.storePem()));
        // The directory starts with what the store has: nothing incoming yet.
        QVERIFY(writeFile(incomingDir + QStringLiteral("/ca.pem"), m_set.storePem()));
        FixedClock clock(guiNow());
        MainWindow w(clock);
        QSignalSpy loaded(&w, &MainWindow::storeLoaded);
        QSignalSpy incoming(&w, &MainWindow::incomingReady);
        w.openStore(storePath);
        QVERIFY(loaded.wait(10000));
        QString error;
        QVERIFY2(w.addSourceSpec(incomingDir, &error), qPrintable(error));
        QTRY_COMPARE_WITH_TIMEOUT(w.sourcesModel()->index(0, SourcesModel::StatusColumn).data().toString(), QStringLiteral("watching"), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(w.sourcesModel()->index(0, SourcesModel::CertificatesColumn).data().toInt(), 3, 10000);
        QVERIFY(!w.incomingView()->hasIncoming());
        QCOMPARE(incoming.size(), 0);

        // A new CA bundle lands in the directory: the new root and a SHA-1 CA.
        QVERIFY(writeFile(incomingDir + QStringLiteral("/new.pem"), pemBundle({&m_set.newRoot, &m_set.sha1Ca})));
        QVERIFY(incoming.wait(10000));
        IncomingView* view = w.incomingView();
        QVERIFY(view->hasIncoming());
        DiffModel* diff = view->diffModel();
        QCOMPARE(diff->count(DiffModel::Kind::Added), 2);
        QCOMPARE(diff->count(DiffModel::Kind::Removed), 0);
        QCOMPARE(diff->count(DiffModel::Kind::Kept), 3);
        QCOMPARE(diff->count(DiffModel::Kind::Renewed), 0);
        QVERIFY(view->summary().contains(QLatin1String("2 added, 0 removed")));
        // Findings of the incoming bundle: the SHA-1 signature, the expired CA, the root expiring soon.
        QStringList codes;
        for (const Finding& f : view->analysis().findings)
            codes << f.code;
        QVERIFY2(codes.contains(QLatin1String("weak-signature-sha1")), qPrintable(codes.join(QLatin1Char(','))));
        QVERIFY2(codes.contains(QLatin1String("expired")), qPrintable(codes.join(QLatin1Char(','))));
        QVERIFY2(codes.contains(QLatin1String("expires-soon")), qPrintable(codes.join(QLatin1Char(','))));
        QCOMPARE(view->findingsTree()->topLevelItemCount(), codes.size());
        // Chain tree: the intermediate hangs under the old root.
        QTreeWidget* chain = view->chainTree();
        QVERIFY(!chain->findItems(QStringLiteral("Issuing CA"), Qt::MatchRecursive | Qt::MatchStartsWith).isEmpty());
        const auto roots = chain->findItems(QStringLiteral("Old Root CA"), Qt::MatchStartsWith);
        QCOMPARE(roots.size(), 1);
        QCOMPARE(roots.first()->childCount(), 1);
        // Timeline: old root and new root overlap from the new root's start to the old root's end.
        QVERIFY(!view->timeline()->overlapRect().isEmpty());
        QCOMPARE(view->analysis().overlap.windows.first().start, m_now - 10 * kSecondsPerDay);
        // Notification: no tray offscreen, so the status bar and the banner carry it.
        QVERIFY(w.banner()->isVisibleTo(&w));
        QCOMPARE(w.banner()->kind(), MessageBanner::Kind::Info);
        QVERIFY(w.banner()->text().contains(QLatin1String("2 added")));
        // The store itself is untouched by an incoming bundle.
        QCOMPARE(w.trustStoreView()->model()->rowCount(), 3);
    }

    void garbageDroppedIn()
    {
        const QString storePath = m_dir.filePath(QStringLiteral("garbage/store.pem"));
        QVERIFY(writeFile(storePath, m_set.storePem()));
        FixedClock clock(guiNow());
        MainWindow w(clock);
        QSignalSpy loaded(&w, &MainWindow::storeLoaded);
        w.openStore(storePath);
        QVERIFY(loaded.wait(10000));
        const QStringList before = storeFingerprints(w);
        QCOMPARE(before.size(), 3);

        // A good certificate, then a block whose base64 is garbage: block 2, on its first base64 line.
        QByteArray garbage = pemBundle({&m_set.newRoot});
        const int goodLines = int(garbage.count('\n'));
        garbage += "-----BEGIN CERTIFICATE-----\nMIIB!!this is not base64 at all!!\nZm9v\n-----END CERTIFICATE-----\n";
        const QString garbagePath = m_dir.filePath(QStringLiteral("garbage/dropped.pem"));
        QVERIFY(writeFile(garbagePath, garbage));

        QSignalSpy rejected(&w, &MainWindow::sourceRejected);
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(garbagePath)});
        QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(&w, &enter);
        QVERIFY(enter.isAccepted());
        QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(&w, &drop);
        QCOMPARE(w.sourcesModel()->rowCount(), 1);
        QVERIFY(rejected.wait(10000));
        const QString located = QStringLiteral("block 2, line %1").arg(goodLines + 2);
        QVERIFY2(w.banner()->text().contains(located), qPrintable(w.banner()->text()));
        QCOMPARE(w.banner()->kind(), MessageBanner::Kind::Error);
        QVERIFY(!w.incomingView()->hasIncoming());
        QCOMPARE(storeFingerprints(w), before);
        QTRY_COMPARE(w.sourcesModel()->index(0, SourcesModel::StatusColumn).data().toString(), QStringLiteral("error"));
        QVERIFY(w.sourcesModel()->index(0, SourcesModel::ErrorColumn).data().toString().contains(QLatin1String("block 2")));

        // Opening the garbage as a store: refused with the located error, the store stays.
        QSignalSpy failed(&w, &MainWindow::storeLoadFailed);
        w.openStore(garbagePath);
        QVERIFY(failed.wait(10000));
        QVERIFY2(failed.first().at(1).toString().contains(located), qPrintable(failed.first().at(1).toString()));
        QVERIFY(w.banner()->text().contains(located));
        QCOMPARE(w.currentStorePath(), storePath);
        QCOMPARE(storeFingerprints(w), before);
        QCOMPARE(w.trustStoreView()->model()->rowCount(), 3);
    }

    void pastedPemIsIncoming()
    {
        const QString storePath = m_dir.filePath(QStringLiteral("paste/store.pem"));
        QVERIFY(writeFile(storePath, pemBundle({&m_set.oldRoot})));
        FixedClock clock(guiNow());
        MainWindow w(clock);
        QSignalSpy loaded(&w, &MainWindow::storeLoaded);
        QSignalSpy incoming(&w, &MainWindow::incomingReady);
        w.openStore(storePath);
        QVERIFY(loaded.wait(10000));
        w.addInlinePem(QStringLiteral("from ticket"), pemBundle({&m_set.newRoot}));
        QVERIFY(incoming.wait(10000));
        QCOMPARE(w.incomingView()->diffModel()->count(DiffModel::Kind::Added), 1);
        QCOMPARE(w.incomingView()->diffModel()->count(DiffModel::Kind::Removed), 1);
        QCOMPARE(w.incomingView()->analysis().sourceName, QStringLiteral("from ticket"));
    }

    void workspaceAndSettingsPersist()
    {
        const QString storePath = m_dir.filePath(QStringLiteral("persist/store.pem"));
        const QString watched = m_dir.filePath(QStringLiteral("persist/incoming"));
        QVERIFY(writeFile(storePath, m_set.storePem()));
        QVERIFY(writeFile(watched + QStringLiteral("/a.pem"), m_set.storePem()));
        FixedClock clock(guiNow());
        {
            MainWindow w(clock);
            QSignalSpy loaded(&w, &MainWindow::storeLoaded);
            w.openStore(storePath);
            QVERIFY(loaded.wait(10000));
            QVERIFY(w.addSourceSpec(watched));
            w.addInlinePem(QStringLiteral("pasted"), pemBundle({&m_set.newRoot}));
            w.setExpiryWarningDays(45);
            QVERIFY(loaded.wait(10000)); // the store is re-judged with the new threshold
            QCOMPARE(w.trustStoreView()->model()->snapshot().thresholdDays, 45);
            w.close();
        }
        const QSettings raw(QStringLiteral("CertRotor"), QStringLiteral("certrotor"));
        QCOMPARE(raw.value(QStringLiteral("workspace/stores")).toStringList(), QStringList{storePath});
        QCOMPARE(raw.value(QStringLiteral("workspace/sources")).toStringList(), QStringList{watched}); // pasted PEM is not kept
        QVERIFY(!raw.value(QStringLiteral("window/geometry")).toByteArray().isEmpty());
        MainWindow again(clock);
        QCOMPARE(again.expiryWarningDays(), 45);
        QSignalSpy loaded(&again, &MainWindow::storeLoaded);
        again.restoreWorkspace();
        QVERIFY(loaded.wait(10000));
        QCOMPARE(again.currentStorePath(), storePath);
        QCOMPARE(again.sourcesModel()->rowCount(), 1);
        QCOMPARE(again.sourcesModel()->index(0, 0).data(SourcesModel::IdRole).toString(), watched);
    }

    void watchDirectoryThroughTheDialogSeam()
    {
        const QString watched = m_dir.filePath(QStringLiteral("seam/incoming"));
        QVERIFY(QDir().mkpath(watched));
        FixedClock clock(guiNow());
        MainWindow w(clock);
        FileDialog::instance()->setNextFileName(watched);
        w.findChild<QAction*>(QStringLiteral("watchDirectoryAction"))->trigger();
        QCOMPARE(w.sourcesModel()->rowCount(), 1);
        QCOMPARE(w.sourcesModel()->index(0, 0).data(SourcesModel::IdRole).toString(), watched);
        // The same path again is refused with a message, not added twice.
        FileDialog::instance()->setNextFileName(watched);
        w.findChild<QAction*>(QStringLiteral("watchDirectoryAction"))->trigger();
        QCOMPARE(w.sourcesModel()->rowCount(), 1);
        QVERIFY(w.banner()->text().contains(QLatin1String("already watched")));
        // A cancelled dialog changes nothing.
        FileDialog::instance()->setNextFileName(QString());
        w.findChild<QAction*>(QStringLiteral("watchFileAction"))->trigger();
        QCOMPARE(w.sourcesModel()->rowCount(), 1);
        // Removing the selected source.
        auto* view = w.findChild<QTableView*>(QStringLiteral("sourcesTableView"));
        view->setCurrentIndex(w.sourcesModel()->index(0, 0));
        w.findChild<QAction*>(QStringLiteral("removeSourceAction"))->trigger();
        QCOMPARE(w.sourcesModel()->rowCount(), 0);
    }

    void settingsThroughTheWindow()
    {
        FixedClock clock(guiNow());
        {
            MainWindow w(clock);
            w.show();
            // File ▸ Settings opens the dialog window-modal (open(): no nested event loop).
            w.findChild<QAction*>(QStringLiteral("settingsAction"))->trigger();
            auto* dialog = w.findChild<SettingsDialog*>();
            QVERIFY(dialog && dialog->isVisible());
            const auto spin = [dialog](const char* name) { return dialog->findChild<QSpinBox*>(QLatin1String(name)); };
            QCOMPARE(spin("expiryDaysSpinBox")->value(), 30);
            QCOMPARE(spin("probeTimeoutSpinBox")->value(), 5000);
            QCOMPARE(spin("confirmDeadlineSpinBox")->value(), 180);
            QCOMPARE(spin("backupsKeptSpinBox")->value(), 5);
            spin("expiryDaysSpinBox")->setValue(45);
            spin("debounceSpinBox")->setValue(120);
            spin("probeTimeoutSpinBox")->setValue(2500);
            spin("confirmDeadlineSpinBox")->setValue(600);
            spin("backupsKeptSpinBox")->setValue(9);
            auto* audit = dialog->findChild<QLineEdit*>(QStringLiteral("auditLogEdit"));
            auto* ok = dialog->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok);
            audit->setText(QStringLiteral("relative/audit.jsonl")); // refused: not absolute
            QVERIFY(!ok->isEnabled());
            QVERIFY(!dialog->findChild<QLabel*>(QStringLiteral("auditLogProblemLabel"))->text().isEmpty());
            audit->setText(m_dir.filePath(QStringLiteral("audit/elsewhere.jsonl")));
            QVERIFY(ok->isEnabled());
            QTest::mouseClick(ok, Qt::LeftButton);
            QVERIFY(QTest::qWaitFor([&] { return !w.findChild<SettingsDialog*>(); }, 2000)); // deleted on close
            QCOMPARE(w.expiryWarningDays(), 45);
            QCOMPARE(w.workspace()->debounceMs(), 120);
            QCOMPARE(w.rotatePanel()->options().probeTimeoutMs, 2500);
            QCOMPARE(w.rotatePanel()->options().confirmDeadlineMs, 600000);
            QCOMPARE(w.rotatePanel()->options().backupsKept, 9);
            QCOMPARE(w.probePanel()->findChild<QSpinBox*>(QStringLiteral("probeTimeoutSpinBox"))->value(), 2500);
        }
        // Persisted: the next window starts with them; nothing secret is among them.
        MainWindow again(clock);
        const ConsoleSettings v = again.consoleSettings();
        QCOMPARE(v.expiryWarningDays, 45);
        QCOMPARE(v.debounceMs, 120);
        QCOMPARE(v.probeTimeoutMs, 2500);
        QCOMPARE(v.confirmDeadlineSecs, 600);
        QCOMPARE(v.backupsKept, 9);
        QCOMPARE(v.auditLogPath, m_dir.filePath(QStringLiteral("audit/elsewhere.jsonl")));
        QCOMPARE(again.rotatePanel()->options().confirmDeadlineMs, 600000);
        // Cancel changes nothing.
        SettingsDialog* dialog = again.showSettings();
        dialog->findChild<QSpinBox*>(QStringLiteral("backupsKeptSpinBox"))->setValue(1);
        dialog->reject();
        QCOMPARE(again.consoleSettings().backupsKept, 9);
    }

    void pastePemThroughTheWindow()
    {
        FixedClock clock(guiNow());
        MainWindow w(clock);
        w.show();
        w.findChild<QAction*>(QStringLiteral("pastePemAction"))->trigger();
        auto* dialog = w.findChild<PastePemDialog*>();
        QVERIFY(dialog && dialog->isVisible());
        dialog->findChild<QLineEdit*>(QStringLiteral("nameLineEdit"))->setText(QStringLiteral("from the ticket"));
        dialog->findChild<QPlainTextEdit*>(QStringLiteral("pemPlainTextEdit"))
            ->setPlainText(QString::fromLatin1(m_set.newRoot.pem()));
        dialog->accept();
        QCOMPARE(w.sourcesModel()->rowCount(), 1);
        QCOMPARE(w.sourcesModel()->sources().first()->id(), QStringLiteral("inline:from the ticket"));
    }

    void firstRunOffersTheDrillOnce()
    {
        FixedClock clock(guiNow());
        {
            MainWindow w(clock);
            w.restoreWorkspace();
            w.offerDrillOnFirstRun();
            QVERIFY(w.banner()->isVisibleTo(&w));
            QVERIFY(w.banner()->text().contains(QStringLiteral("drill")));
            QCOMPARE(w.banner()->actionButtons().size(), 1);
            QCOMPARE(w.banner()->actionButtons().first()->defaultAction(),
                     w.findChild<QAction*>(QStringLiteral("startDrillAction")));
        }
        MainWindow again(clock);
        again.offerDrillOnFirstRun();
        QVERIFY(!again.banner()->isVisibleTo(&again)); // offered once
        // Someone with a workspace is not offered it either.
        QSettings(QStringLiteral("CertRotor"), QStringLiteral("certrotor")).clear();
        GuiSettings().setStores({ m_dir.filePath(QStringLiteral("some.pem")) });
        MainWindow busy(clock);
        busy.offerDrillOnFirstRun();
        QVERIFY(!busy.banner()->isVisibleTo(&busy));
    }

    void keyboard()
    {
        FixedClock clock(guiNow());
        MainWindow w(clock);
        w.show();
        QVERIFY(QTest::qWaitForWindowActive(&w));
        QTest::keyClick(&w, Qt::Key_2, Qt::ControlModifier);
        QCOMPARE(w.tabs()->currentWidget(), static_cast<QWidget*>(w.incomingView()));
        QTest::keyClick(&w, Qt::Key_F, Qt::ControlModifier);
        QCOMPARE(w.tabs()->currentWidget(), static_cast<QWidget*>(w.trustStoreView()));
        QTRY_VERIFY(w.trustStoreView()->filterEdit()->hasFocus());
        // Every main action has a shortcut.
        for (const char* name : {"openStoreAction", "reloadAction", "watchFileAction", "watchDirectoryAction", "watchSecretAction",
                                 "pastePemAction", "removeSourceAction", "settingsAction", "quitAction"}) {
            auto* action = w.findChild<QAction*>(QString::fromLatin1(name));
            QVERIFY2(action && !action->shortcut().isEmpty(), name);
        }
    }

private:
    QTemporaryDir m_dir;
    qint64 m_now = 0;
    RotationSet m_set;
};

QTEST_MAIN(TestConsole)
#include "TestConsole.moc"
