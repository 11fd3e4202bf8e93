// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <functional>

namespace certrotor::rotation {
class Rotation;
struct Outcome;
} // namespace certrotor::rotation

namespace certrotor::test {

struct ProcessResult
{
    int exitCode = -1;
    bool crashed = false;
    bool timedOut = false;
    QByteArray out;
    QByteArray err;
};

/// Runs a program to completion (with a timeout), feeding `input` to its stdin.
ProcessResult runProcess(const QString& program, const QStringList& args, const QByteArray& input = {},
                         int timeoutMs = 60000);

/// Runs the certrotor-cli built alongside the tests.
ProcessResult runCli(const QStringList& args, const QByteArray& input = {}, int timeoutMs = 60000);

/// Path of the real `openssl` command line tool.
QString opensslPath();

/// Reads a whole file ("" when it cannot).
QByteArray readFile(const QString& path);

/// Starts one operation of a rotation (`start` calls stage(), commitWave(), …) and waits, in an event
/// loop, for its finished(); an Outcome with code "TEST-timeout" when it never comes.
rotation::Outcome runRotationStep(rotation::Rotation& rotation, const std::function<void()>& start,
                                  int timeoutMs = 120000);

} // namespace certrotor::test
