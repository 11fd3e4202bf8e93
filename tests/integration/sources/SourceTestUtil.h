// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "sources/Source.h"

#include <QCryptographicHash>
#include <QSignalSpy>
#include <QString>

/// Helpers shared by the source tests.
namespace certrotor::test {

inline constexpr int kWaitMs = 5000;

/// Lower-case hex SHA-256: a file source's revision for these bytes.
inline QString hexSha(const QByteArray& bytes)
{
    return QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex());
}

/// The i-th update a QSignalSpy on Source::updated recorded.
inline SourceUpdate updateAt(const QSignalSpy& spy, int i)
{
    return qvariant_cast<SourceUpdate>(spy.at(i).at(0));
}

} // namespace certrotor::test
