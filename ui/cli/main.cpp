// SPDX-License-Identifier: GPL-3.0-or-later
#include "CliApp.h"

#include <QCoreApplication>

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv); // no display needed: the CLI runs on headless machines
    QCoreApplication::setApplicationName(QStringLiteral("certrotor-cli"));
    return certrotor::cli::run(QCoreApplication::arguments());
}
