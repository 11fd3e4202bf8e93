// SPDX-License-Identifier: GPL-3.0-or-later
#include "ProbeResult.h"

#include "x509/OpenSsl.h"

#include <QHash>
#include <QHostAddress>
#include <QMutex>
#include <QSslConfiguration>
#include <QUrl>

namespace certrotor {

QString ProbeTarget::address() const
{
    const bool v6 = host.contains(QLatin1Char(':'));
    return (v6 ? QLatin1Char('[') + host + QLatin1Char(']') : host) + QLatin1Char(':') + QString::number(port);
}

Result<ProbeTarget> ProbeTarget::parse(const QString& text)
{
    const QString t = text.trimmed();
    ProbeTarget target;
    QString portText;
    if (t.startsWith(QLatin1Char('['))) {
        const qsizetype close = t.indexOf(QLatin1Char(']'));
        if (close < 0 || t.mid(close + 1, 1) != QLatin1String(":"))
            return Error{QStringLiteral("expected [IPv6]:PORT"), text};
        target.host = t.mid(1, close - 1);
        portText = t.mid(close + 2);
        if (QHostAddress(target.host).protocol() != QAbstractSocket::IPv6Protocol)
            return Error{QStringLiteral("'%1' is not an IPv6 address").arg(target.host), text};
    } else {
        const qsizetype colon = t.lastIndexOf(QLatin1Char(':'));
        if (colon < 0)
            return Error{QStringLiteral("expected HOST:PORT (the port is required)"), text};
        if (t.indexOf(QLatin1Char(':')) != colon)
            return Error{QStringLiteral("an IPv6 address needs brackets: [ADDRESS]:PORT"), text};
        target.host = t.left(colon);
        portText = t.mid(colon + 1);
    }
    if (target.host.isEmpty())
        return Error{QStringLiteral("the host is empty"), text};
    if (!target.host.contains(QLatin1Char(':'))) {
        // Reject what QUrl would silently mangle (spaces, slashes, user info).
        QUrl probe;
        probe.setHost(target.host, QUrl::StrictMode);
        if (!probe.isValid() || probe.host().isEmpty())
            return Error{QStringLiteral("'%1' is not a valid host name").arg(target.host), text};
    }
    bool ok = false;
    const uint port = portText.toUInt(&ok);
    if (!ok || port == 0 || port > 65535)
        return Error{QStringLiteral("'%1' is not a port (1-65535)").arg(portText), text};
    target.port = quint16(port);
    return target;
}

namespace {

// Converting a certificate for Qt is an OpenSSL parse whose public-key decoding alone costs about
// 0.1 ms with OpenSSL 3.0; a rotation probes the same few bundles again and again (current,
// candidate, each re-run). Converted certificates are kept by SHA-256 of their DER, process-wide and
// bounded. A QSslCertificate is an immutable, implicitly shared value: safe to hand to many threads.
class QtCertificateCache
{
public:
    QSslCertificate get(const Certificate& c)
    {
        const QByteArray key = c.info().sha256;
        {
            QMutexLocker lock(&m_mutex);
            const auto it = m_map.constFind(key);
            if (it != m_map.cend())
                return it.value();
        }
        QSslCertificate q(c.der(), QSsl::Der); // parse outside the lock
        QMutexLocker lock(&m_mutex);
        if (m_map.size() >= kMaxEntries)
            m_map.clear(); // a simple bound: a store rarely holds more, and a refill is cheap
        m_map.insert(key, q);
        return q;
    }

private:
    static constexpr qsizetype kMaxEntries = 8192;
    QMutex m_mutex;
    QHash<QByteArray, QSslCertificate> m_map;
};

QtCertificateCache& qtCertificateCache()
{
    static QtCertificateCache cache; // thread-safe initialisation
    return cache;
}

} // namespace

QSslCertificate toQtCertificate(const Certificate& certificate)
{
    return qtCertificateCache().get(certificate);
}

QList<QSslCertificate> trustedQtCertificates(const ProbeOptions& options)
{
    QList<QSslCertificate> out;
    out.reserve(options.bundle.size());
    for (const Certificate& c : options.bundle)
        out << toQtCertificate(c);
    if (options.useSystemCas) {
        static const QList<QSslCertificate> system = QSslConfiguration::systemCaCertificates(); // thread-safe init
        out += system;
    }
    return out;
}

QString bundleSha256(const QList<Certificate>& bundle)
{
    QByteArray all;
    for (const Certificate& c : bundle)
        all += c.der();
    return QString::fromLatin1(ossl::sha256(all).toHex());
}

QString ProbeResult::stageName(Stage stage)
{
    switch (stage) {
    case Stage::Connect:
        return QStringLiteral("connect");
    case Stage::Tls:
        return QStringLiteral("tls");
    case Stage::Alpn:
        return QStringLiteral("alpn");
    case Stage::Http:
        return QStringLiteral("http");
    case Stage::Grpc:
        return QStringLiteral("grpc");
    case Stage::Serving:
        return QStringLiteral("serving");
    case Stage::Done:
        return QStringLiteral("done");
    }
    return {};
}

QString ProbeResult::summary() const
{
    const QString who = target.address() + QStringLiteral(" [") + bundleName + QLatin1Char(']');
    if (ok) {
        QString anchorText;
        if (!anchor.isNull()) {
            const auto& s = anchor.info().subject;
            anchorText = QStringLiteral(", anchored by ") + (s.commonName.isEmpty() ? s.rfc4514 : s.commonName);
        }
        return QStringLiteral("OK %1: %2 over %3 %4%5 (%6 ms)")
            .arg(who, grpcwire::servingStatusName(servingStatus), tlsVersion, alpn, anchorText)
            .arg(timings.totalMs, 0, 'f', 1);
    }
    return QStringLiteral("FAILED %1 at %2: %3").arg(who, stageName(stage), error);
}

} // namespace certrotor
