// SPDX-License-Identifier: GPL-3.0-or-later
// The console with a Kubernetes Secret, against the API test server over HTTPS through a real
// kubeconfig file ($KUBECONFIG): the picker lists contexts, namespaces and only the Secrets and
// ConfigMaps that hold CA material; the picked secret:// source feeds the incoming preview, live through
// the watch.

#include "DiffModel.h"
#include "GuiFixtures.h"
#include "GuiSettings.h"
#include "IncomingView.h"
#include "KubeApiServer.h"
#include "MainWindow.h"
#include "MessageBanner.h"
#include "SecretCatalog.h"
#include "SecretPickerDialog.h"
#include "SourcesModel.h"
#include "util/Clock.h"

#include <QAction>
#include <QComboBox>
#include <QListWidget>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace certrotor;
using namespace certrotor::gui;
using namespace certrotor::test;

class TestConsoleKube : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(m_dir.isValid());
        m_now = guiNow().toSecsSinceEpoch();
        m_set = makeRotationSet(m_now);
        QString error;
        QVERIFY2(m_server.start(&error), qPrintable(error));
        const QString kubeconfig = m_dir.filePath(QStringLiteral("kubeconfig"));
        QVERIFY(m_server.writeKubeconfig(kubeconfig));
        qputenv("KUBECONFIG", kubeconfig.toLocal8Bit());
        QVERIFY(!m_server.putSecret(QStringLiteral("gateway"), QStringLiteral("gateway-ca"),
                                    {{QStringLiteral("ca.crt"), pemBundle({&m_set.newRoot})}}).isEmpty());
        QVERIFY(!m_server.putSecret(QStringLiteral("gateway"), QStringLiteral("app-settings"),
                                    {{QStringLiteral("config.yaml"), QByteArrayLiteral("replicas: 2\n")}}).isEmpty());
        QVERIFY(!m_server
                     .putConfigMap(QStringLiteral("gateway"), QStringLiteral("mesh-roots"),
                                   { { QStringLiteral("ca.crt"), QString::fromLatin1(pemBundle({ &m_set.newRoot })) } })
                     .isEmpty());
        QVERIFY(!m_server
                     .putConfigMap(QStringLiteral("gateway"), QStringLiteral("app-config"),
                                   { { QStringLiteral("settings.yaml"), QStringLiteral("replicas: 2\n") } })
                     .isEmpty());
    }

    void restoredSecretSourceIsMadeOffTheGuiThread()
    {
        QSettings(QStringLiteral("CertRotor"), QStringLiteral("certrotor")).clear();
        const QString spec = QStringLiteral("secret://test-cert/gateway/gateway-ca#ca.crt");
        GuiSettings().setSources({ spec, QStringLiteral("secret://no-such-context/gateway/gateway-ca") });
        FixedClock clock(guiNow());
        MainWindow w(clock);
        QSignalSpy failed(&w, &MainWindow::sourceAddFailed);
        w.restoreWorkspace();
        // Nothing was read yet: the kubeconfig is read and parsed on the thread pool.
        QCOMPARE(w.sourcesModel()->rowCount(), 0);
        QTRY_COMPARE_WITH_TIMEOUT(w.sourcesModel()->rowCount(), 1, 10000);
        QCOMPARE(w.sourcesModel()->sources().first()->id(), spec);
        // The unknown context is said in words, and the app goes on.
        QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, 10000);
        QCOMPARE(failed.first().at(0).toString(), QStringLiteral("secret://no-such-context/gateway/gateway-ca"));
        QVERIFY2(failed.first().at(1).toString().contains(QStringLiteral("no-such-context")),
                 qPrintable(failed.first().at(1).toString()));
        QVERIFY(w.banner()->text().contains(QStringLiteral("no-such-context")));
        // The same Secret twice is refused, also asynchronously.
        QSignalSpy again(&w, &MainWindow::sourceAddFailed);
        QVERIFY(w.addSourceSpec(spec));
        QTRY_COMPARE_WITH_TIMEOUT(again.size(), 1, 10000);
        QVERIFY(again.first().at(1).toString().contains(QStringLiteral("already watched")));
        QCOMPARE(w.sourcesModel()->rowCount(), 1);
        // A spec that does not parse fails at once.
        QString error;
        QVERIFY(!w.addSourceSpec(QStringLiteral("secret://"), &error));
        QVERIFY(!error.isEmpty());
        QSettings(QStringLiteral("CertRotor"), QStringLiteral("certrotor")).clear();
    }

    void pickSecretAndPreview()
    {
        auto catalog = makeDefaultSecretCatalog();
        SecretPickerDialog dialog(catalog.get());
        QTRY_COMPARE_WITH_TIMEOUT(dialog.contextCombo()->count(), 2, 10000);
        QCOMPARE(dialog.contextCombo()->currentText(), QStringLiteral("test-cert")); // the current context
        QTRY_VERIFY_WITH_TIMEOUT(dialog.namespaceCombo()->findText(QStringLiteral("gateway")) >= 0, 10000);
        dialog.namespaceCombo()->setCurrentText(QStringLiteral("gateway"));
        // Only the Secret and the ConfigMap holding certificates are offered, once per CA key, Secrets first.
        QTRY_COMPARE_WITH_TIMEOUT(dialog.secretList()->count(), 2, 10000);
        QVERIFY2(dialog.errorText().isEmpty(), qPrintable(dialog.errorText()));
        QCOMPARE(dialog.secretList()->item(1)->text(), QStringLiteral("ConfigMap  mesh-roots  #ca.crt"));
        dialog.secretList()->setCurrentRow(1);
        QCOMPARE(dialog.spec(), QStringLiteral("configmap://test-cert/gateway/mesh-roots#ca.crt"));
        dialog.secretList()->setCurrentRow(0);
        const QString spec = dialog.spec();
        QCOMPARE(spec, QStringLiteral("secret://test-cert/gateway/gateway-ca#ca.crt"));

        const QString storePath = m_dir.filePath(QStringLiteral("store.pem"));
        QVERIFY(writeFile(storePath, pemBundle({&m_set.oldRoot})));
        FixedClock clock(guiNow());
        MainWindow w(clock);
        QSignalSpy loaded(&w, &MainWindow::storeLoaded);
        QSignalSpy incoming(&w, &MainWindow::incomingReady);
        w.openStore(storePath);
        QVERIFY(loaded.wait(10000));
        // Through Sources ▸ Watch Secret: the picker opens window-modal (open(), no nested event loop).
        w.findChild<QAction*>(QStringLiteral("watchSecretAction"))->trigger();
        auto* picker = w.findChild<SecretPickerDialog*>();
        QVERIFY(picker && picker->isVisible());
        QTRY_VERIFY_WITH_TIMEOUT(picker->namespaceCombo()->findText(QStringLiteral("gateway")) >= 0, 10000);
        picker->namespaceCombo()->setCurrentText(QStringLiteral("gateway"));
        QTRY_COMPARE_WITH_TIMEOUT(picker->secretList()->count(), 2, 10000);
        picker->secretList()->setCurrentRow(0);
        QCOMPARE(picker->spec(), spec);
        picker->accept();
        QTRY_COMPARE_WITH_TIMEOUT(w.sourcesModel()->rowCount(), 1, 5000);
        QCOMPARE(w.sourcesModel()->sources().first()->id(), spec);
        QVERIFY(incoming.wait(15000));
        QCOMPARE(w.incomingView()->diffModel()->count(DiffModel::Kind::Added), 1);
        QCOMPARE(w.incomingView()->diffModel()->count(DiffModel::Kind::Removed), 1);
        QTRY_COMPARE_WITH_TIMEOUT(w.sourcesModel()->index(0, SourcesModel::StatusColumn).data().toString(),
                                  QStringLiteral("watching"), 10000);

        // Someone updates the Secret to the overlap bundle: the watch brings it, the preview follows.
        QVERIFY(!m_server.putSecret(QStringLiteral("gateway"), QStringLiteral("gateway-ca"),
                                    {{QStringLiteral("ca.crt"), pemBundle({&m_set.oldRoot, &m_set.newRoot})}}).isEmpty());
        QVERIFY(incoming.wait(15000));
        QCOMPARE(w.incomingView()->diffModel()->count(DiffModel::Kind::Added), 1);
        QCOMPARE(w.incomingView()->diffModel()->count(DiffModel::Kind::Removed), 0);
        QCOMPARE(w.incomingView()->diffModel()->count(DiffModel::Kind::Kept), 1);
        QVERIFY(!w.incomingView()->analysis().overlap.windows.isEmpty());
    }

private:
    QTemporaryDir m_dir;
    KubeApiServer m_server{KubeApiServer::Options{}};
    qint64 m_now = 0;
    RotationSet m_set;
};

QTEST_MAIN(TestConsoleKube)
#include "TestConsoleKube.moc"
