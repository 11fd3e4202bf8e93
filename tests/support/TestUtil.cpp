// SPDX-License-Identifier: GPL-3.0-or-later
#include "TestUtil.h"

#include "rotation/Rotation.h"

#include <QFile>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>

namespace certrotor::test {

ProcessResult runProcess(const QString& program, const QStringList& args, const QByteArray& input, int timeoutMs)
{
    ProcessResult r;
    QProcess p;
    p.start(program, args);
    if (!p.waitForStarted(10000)) {
        r.err = p.errorString().toUtf8();
        return r;
    }
    if (!input.isEmpty())
        p.write(input);
    p.closeWriteChannel();
    if (!p.waitForFinished(timeoutMs)) {
        r.timedOut = true;
        p.kill();
        p.waitForFinished(5000);
    }
    r.crashed = p.exitStatus() == QProcess::CrashExit;
    r.exitCode = p.exitCode();
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

ProcessResult runCli(const QStringList& args, const QByteArray& input, int timeoutMs)
{
    return runProcess(QStringLiteral(CERTROTOR_CLI_PATH), args, input, timeoutMs);
}

QString opensslPath()
{
    return QStandardPaths::findExecutable(QStringLiteral("openssl"));
}

QByteArray readFile(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return f.readAll();
}

rotation::Outcome runRotationStep(rotation::Rotation& rotation, const std::function<void()>& start, int timeoutMs)
{
    QSignalSpy spy(&rotation, &rotation::Rotation::finished);
    start();
    if (!spy.wait(timeoutMs)) {
        rotation::Outcome o;
        o.code = QStringLiteral("TEST-timeout");
        o.message = QStringLiteral("TEST: the operation never finished");
        return o;
    }
    return spy.takeFirst().at(0).value<rotation::Outcome>();
}

} // namespace certrotor::test
