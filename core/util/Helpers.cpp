// SPDX-License-Identifier: GPL-3.0-or-later
#include "util/Helpers.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

using namespace Qt::StringLiterals;

namespace certrotor::helpers {

QString directory()
{
    const QString fromEnv = qEnvironmentVariable("CERTROTOR_HELPER_DIR");
    if (!fromEnv.isEmpty())
        return QDir::cleanPath(fromEnv);
    return QDir::cleanPath(QCoreApplication::applicationDirPath() + u'/'
                           + QStringLiteral(CERTROTOR_HELPER_DIR_FROM_BIN));
}

Result<QString> find(const QString& name, const QString& dir)
{
    const QString where = dir.isEmpty() ? directory() : QDir::cleanPath(dir);
    const QFileInfo info(where + u'/' + name);
    if (!info.exists())
        return Error { u"the helper program %1 is not installed: looked for %2 (a package or `cmake --install` "
                       u"puts it there; CERTROTOR_HELPER_DIR points elsewhere)"_s.arg(name, info.filePath()),
                       {},
                       u"helper-missing"_s };
    if (!info.isFile() || !info.isExecutable())
        return Error { u"the helper program %1 is not executable"_s.arg(info.filePath()), {}, u"helper-missing"_s };
    return info.filePath();
}

} // namespace certrotor::helpers
