// SPDX-License-Identifier: GPL-3.0-or-later
// certrotor-test-audit-append PATH COUNT [--keyring]: appends COUNT records ("test", {n, pid}) to the audit
// log at PATH, as a separate process, so tests can check that concurrent writers keep one valid chain.
// Exit 0 when every record was written.
#include "audit/AuditLog.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QJsonObject>

#include <cstdio>

using namespace certrotor;

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() < 3)
        return 2;
    const int count = args.at(2).toInt();
    AuditLog log(args.at(1));
    if (args.contains(QStringLiteral("--keyring")))
        log.open();
    else
        log.openWithoutKeyring();
    for (int n = 1; n <= count; ++n) {
        if (!log.append(QStringLiteral("test"), QJsonObject{{QStringLiteral("n"), n},
                                                            {QStringLiteral("pid"), QCoreApplication::applicationPid()}})
                 .ok())
            return 1;
    }
    if (!log.isReady()) {
        QEventLoop loop;
        QObject::connect(&log, &AuditLog::ready, &loop, &QEventLoop::quit);
        loop.exec();
    }
    if (!log.waitForWritten(60000) || !log.errors().isEmpty()) {
        std::fprintf(stderr, "%s\n", qPrintable(log.errors().join(QLatin1Char('\n'))));
        return 1;
    }
    std::printf("%s\n", qPrintable(log.macAlg()));
    return 0;
}
