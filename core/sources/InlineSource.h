// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "sources/Source.h"

#include <QByteArray>
#include <QString>

namespace certrotor {

/// PEM (or DER) pasted by the user or handed over in memory. id() is "inline:NAME".
/// Parsing runs on Source::readPool(); the update arrives on the owning thread. start() delivers the
/// current content; after that, setPem() delivers whenever the bytes change (identical bytes are not
/// delivered). While stopped, setPem() only stores the bytes. Revision = SHA-256 of the bytes (hex).
/// Status: Watching, or Error with the first located parse error (the bundle is delivered anyway).
class InlineSource : public Source
{
    Q_OBJECT
public:
    explicit InlineSource(QString name, QByteArray pem = {}, QObject* parent = nullptr);

    QString id() const override { return QStringLiteral("inline:") + m_name; }
    QString displayName() const override { return m_name; }

    void start() override;
    void stop() override;

    void setPem(QByteArray pem);
    QByteArray pem() const { return m_pem; }

private:
    void parseAndDeliver(qint64 requestedNs);

    QString m_name;
    QByteArray m_pem;
    QByteArray m_lastSha256; // last requested (not necessarily delivered yet)
    bool m_started = false;
    quint64 m_sequence = 0;
};

} // namespace certrotor
