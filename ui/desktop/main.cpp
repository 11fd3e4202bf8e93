// SPDX-License-Identifier: GPL-3.0-or-later
// certrotor: the desktop console. Everything lives in certrotor_gui; this only reads argv.
#include "GuiSettings.h"
#include "IncomingView.h"
#include "MainWindow.h"
#include "UiStyle.h"
#include "audit/AuditLog.h"
#include "util/BuildInfo.h"
#include "util/Clock.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QTabWidget>
#include <QTimer>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <utility>

int main(int argc, char* argv[])
{
    // Without a display Qt aborts; say what to do instead.
    if (qEnvironmentVariableIsEmpty("DISPLAY") && qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY")
        && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) {
        std::fprintf(stderr, "certrotor: no display (DISPLAY and WAYLAND_DISPLAY are unset).\n"
                             "Run it under a virtual X server:  xvfb-run -a certrotor [FILE...]\n"
                             "or use the headless certrotor-cli.\n");
        return 2;
    }
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("CertRotor"));
    QApplication::setApplicationName(QStringLiteral("certrotor"));
    QApplication::setApplicationDisplayName(QStringLiteral("CertRotor"));
    QApplication::setApplicationVersion(certrotor::buildinfo::version());
    QApplication::setDesktopFileName(QStringLiteral("io.github.certrotor.CertRotor"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("CertRotor console: the CAs TLS clients trust, and what is coming."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption watch(
        QStringList { QStringLiteral("w"), QStringLiteral("watch") },
        QStringLiteral("Watch a bundle file, a directory, secret://[CONTEXT/]NS/NAME[#KEY] or "
                       "configmap://[CONTEXT/]NS/NAME[#KEY] (repeatable)."),
        QStringLiteral("SOURCE"));
    const QCommandLineOption demo(QStringLiteral("demo"),
                                  QStringLiteral("Open DIR/current.pem as the store and watch DIR/incoming (installer/run-demo.sh makes them)."),
                                  QStringLiteral("DIR"));
    const QCommandLineOption drill(
        QStringLiteral("drill"),
        QStringLiteral("Open straight into the Drill tab and walk a rehearsal of a whole rotation in a new sandbox "
                       "(kept, with its report). With a kept sandbox (--sandbox DIR, or DIR after --drill) it opens "
                       "that sandbox instead: its report, its trust store, its incoming CA and its audit log."));
    const QCommandLineOption sandbox(QStringLiteral("sandbox"),
                                     QStringLiteral("The drill's sandbox: a new or empty directory for a new drill, or "
                                                    "a kept one (certrotor-cli drill --keep --dir DIR) to review."),
                                     QStringLiteral("DIR"));
    const QCommandLineOption dark(QStringLiteral("dark"), QStringLiteral("Use a dark palette."));
    const QCommandLineOption screenshot(QStringLiteral("screenshot"),
                                        QStringLiteral("Wait for an incoming bundle (at most 20 s), save the window as PNG to FILE and quit."),
                                        QStringLiteral("FILE"));
    parser.addOption(watch);
    parser.addOption(demo);
    parser.addOption(drill);
    parser.addOption(sandbox);
    parser.addOption(dark);
    parser.addOption(screenshot);
    parser.addPositionalArgument(QStringLiteral("FILE"), QStringLiteral("Bundles to open as trust stores (none: the last workspace)."),
                                 QStringLiteral("[FILE...]"));
    parser.process(app);

    if (parser.isSet(dark))
        certrotor::gui::applyDarkPalette(app);

    // The audit log ($CERTROTOR_AUDIT_LOG or ~/.local/share/certrotor/audit.jsonl): its HMAC key is looked
    // up in the keyring in the background; records made meanwhile wait in memory. It outlives the window.
    // A drill's sandbox brings its own log (SHA-256 chained, like every drill log): the console shows the
    // drill's records there and never mixes them with the real log.
    // --drill [DIR] / --drill --sandbox DIR: a kept sandbox is reviewed, a new or empty directory gets a new drill.
    QStringList positional = parser.positionalArguments();
    QString sandboxDir = parser.value(sandbox);
    if (parser.isSet(drill) && sandboxDir.isEmpty() && positional.size() == 1 && QFileInfo(positional.first()).isDir())
        sandboxDir = positional.takeFirst();
    QString drillDir; // a kept sandbox to review
    QString newDrillDir; // where a new drill builds
    const bool runDrill = parser.isSet(drill) || parser.isSet(sandbox);
    if (runDrill && !sandboxDir.isEmpty()) {
        const QString dir = QDir(sandboxDir).absolutePath();
        const QFileInfo info(dir);
        const bool kept = QFileInfo::exists(dir + QStringLiteral("/store/ca-bundle.pem"))
            && QFileInfo::exists(dir + QStringLiteral("/audit.jsonl"));
        const bool empty = !info.exists()
            || (info.isDir() && QDir(dir).isEmpty(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden));
        if (kept) {
            drillDir = dir;
        } else if (empty) {
            newDrillDir = dir;
        } else {
            std::fprintf(stderr,
                         "certrotor: %s is not a drill's sandbox (no store/ca-bundle.pem and audit.jsonl) and not "
                         "empty; make one with: certrotor-cli drill --keep --dir DIR, or give a new directory\n",
                         qPrintable(dir));
            return 2;
        }
    }
    // The audit log's path: $CERTROTOR_AUDIT_LOG, else the settings' (the dialog), else the default.
    QString auditPath;
    if (!drillDir.isEmpty())
        auditPath = drillDir + QStringLiteral("/audit.jsonl");
    else if (qEnvironmentVariableIsEmpty("CERTROTOR_AUDIT_LOG"))
        auditPath = certrotor::gui::GuiSettings().auditLogPath();
    certrotor::AuditLog auditLog(auditPath, &certrotor::Clock::system());
    if (drillDir.isEmpty())
        auditLog.open();
    else
        auditLog.openWithoutKeyring();
    certrotor::gui::MainWindow window(certrotor::Clock::system());
    window.setAuditLog(&auditLog);
    if (drillDir.isEmpty())
        window.resumeRotations(); // a rotation left open by an earlier run
    QStringList stores = positional;
    QStringList sources = parser.values(watch);
    if (parser.isSet(demo)) {
        const QDir dir(parser.value(demo));
        stores << dir.filePath(QStringLiteral("current.pem"));
        sources << dir.filePath(QStringLiteral("incoming"));
    }
    if (!drillDir.isEmpty()) {
        stores << drillDir + QStringLiteral("/store/ca-bundle.pem");
        sources << drillDir + QStringLiteral("/incoming");
    }
    if (!drillDir.isEmpty())
        window.showDrillReport(drillDir);
    if (stores.isEmpty() && sources.isEmpty()) {
        window.restoreWorkspace();
        if (!runDrill)
            window.offerDrillOnFirstRun();
    } else {
        for (const QString& path : std::as_const(stores))
            window.openStore(path);
        for (const QString& spec : std::as_const(sources)) {
            QString error;
            if (!window.addSourceSpec(spec, &error))
                std::fprintf(stderr, "certrotor: %s\n", qPrintable(error));
        }
    }
    window.show();
    if (runDrill && drillDir.isEmpty())
        window.startDrill(newDrillDir);
    if (parser.isSet(screenshot)) {
        const QString file = parser.value(screenshot);
        auto done = std::make_shared<bool>(false);
        const auto shoot = [&window, file, done] {
            if (std::exchange(*done, true))
                return;
            window.tabs()->setCurrentWidget(window.incomingView());
            // One turn of the event loop so the tab is laid out before it is grabbed.
            QTimer::singleShot(200, &window, [&window, file] {
                const bool saved = window.grab().save(file);
                std::fprintf(stderr, "certrotor: %s %s\n", saved ? "saved" : "could not save", qPrintable(file));
                QCoreApplication::exit(saved ? 0 : 1);
            });
        };
        QObject::connect(&window, &certrotor::gui::MainWindow::incomingReady, &window, shoot);
        QTimer::singleShot(20000, &window, shoot);
    }
    return app.exec();
}
