// SPDX-License-Identifier: GPL-3.0-or-later
#include "x509/Lint.h"

#include "util/Clock.h"
#include "x509/Chain.h"

#include <QHash>

namespace certrotor {

QString Finding::severityName(Severity s)
{
    switch (s) {
    case Severity::Info:
        return QStringLiteral("info");
    case Severity::Warning:
        return QStringLiteral("warning");
    case Severity::Error:
        return QStringLiteral("error");
    }
    return {};
}

namespace {

QString displayName(const CertificateInfo& info)
{
    return info.subject.commonName.isEmpty() ? info.subject.rfc4514 : info.subject.commonName;
}

} // namespace

QList<Finding> lintBundle(const Bundle& bundle, const LintOptions& options)
{
    QList<Finding> out;
    const qint64 now = options.now;
    const qint64 warnSecs = qint64(options.expiryWarningDays) * 86400;
    const QList<Certificate> pool = bundle.certificates();
    const IssuerIndex index(pool);
    QHash<QByteArray, int> firstSeen;
    firstSeen.reserve(pool.size());

    for (int i = 0; i < pool.size(); ++i) {
        const CertificateInfo& c = pool[i].info();
        const auto add = [&](Finding::Severity s, const char* code, QString message) {
            out << Finding{s, QLatin1String(code), std::move(message), i};
        };

        if (c.notAfter < now) {
            add(Finding::Severity::Error, "expired",
                QStringLiteral("expired on %1 (%2 days ago)").arg(isoUtc(c.notAfter)).arg(-daysUntil(now, c.notAfter)));
        } else if (c.notAfter - now < warnSecs) {
            add(Finding::Severity::Warning, "expires-soon",
                QStringLiteral("expires in %1 days, on %2 (warning threshold %3 days)")
                    .arg(daysUntil(now, c.notAfter))
                    .arg(isoUtc(c.notAfter))
                    .arg(options.expiryWarningDays));
        }
        if (c.notBefore > now)
            add(Finding::Severity::Warning, "not-yet-valid",
                QStringLiteral("not valid until %1 (in %2 days)").arg(isoUtc(c.notBefore)).arg(daysUntil(now, c.notBefore)));

        if (c.version == 1) {
            add(Finding::Severity::Warning, "version-1",
                QStringLiteral("X.509 version 1 certificate: no extensions, so no CA flag or key usage to constrain it"));
        } else if (!c.hasBasicConstraints || !c.isCA) {
            add(Finding::Severity::Error, "not-ca",
                c.hasBasicConstraints ? QStringLiteral("not a CA certificate (basicConstraints CA:FALSE)")
                                      : QStringLiteral("not a CA certificate (no basicConstraints extension)"));
        } else if (c.hasKeyUsage && !(c.keyUsageBits & KeyCertSign)) {
            add(Finding::Severity::Error, "ca-without-keycertsign",
                QStringLiteral("CA certificate whose key usage lacks keyCertSign: it cannot sign certificates"));
        }

        if (c.keyAlgorithm.startsWith(QLatin1String("RSA")) && c.keyBits < 2048)
            add(Finding::Severity::Error, "weak-rsa-key", QStringLiteral("RSA key of %1 bits (below 2048)").arg(c.keyBits));

        const bool md5 = c.signatureHash == QLatin1String("MD5") || c.signatureHash == QLatin1String("MD2");
        const bool sha1 = c.signatureHash == QLatin1String("SHA1");
        if (md5 || sha1) {
            // A self-signed root's own signature is never checked by a TLS client: worth knowing, not a risk.
            const auto severity = c.selfSigned ? Finding::Severity::Info : Finding::Severity::Error;
            add(severity, md5 ? "weak-signature-md5" : "weak-signature-sha1",
                QStringLiteral("signed with %1%2")
                    .arg(c.signatureAlgorithm,
                         c.selfSigned ? QStringLiteral(" (self-signed: the signature is not relied upon)") : QString()));
        }

        if (c.subjectKeyId.isEmpty() && c.version == 3)
            add(c.isCA ? Finding::Severity::Warning : Finding::Severity::Info, "missing-ski",
                QStringLiteral("no subject key identifier: chains are built by name only"));

        const auto seen = firstSeen.constFind(c.sha256);
        if (seen != firstSeen.constEnd()) {
            add(Finding::Severity::Warning, "duplicate",
                QStringLiteral("duplicate of certificate %1 (%2)")
                    .arg(seen.value() + 1)
                    .arg(bundle.entries[seen.value()].source.text()));
        } else {
            firstSeen.insert(c.sha256, i);
        }

        // pathLen: count the intermediate CAs between each ancestor and this certificate.
        if (c.isCA && !c.selfIssued) {
            const QList<int> chain = index.chainFor(i);
            int intermediates = 1; // this certificate, used as a CA
            for (int k = 1; k < chain.size(); ++k) {
                const CertificateInfo& a = pool[chain[k]].info();
                if (a.pathLen >= 0 && intermediates > a.pathLen) {
                    add(Finding::Severity::Error, "pathlen-violated",
                        QStringLiteral("issued under '%1' whose pathLen %2 allows %3 intermediate CA(s) below it, but "
                                       "this chain has %4")
                            .arg(displayName(a))
                            .arg(a.pathLen)
                            .arg(a.pathLen)
                            .arg(intermediates));
                    break;
                }
                if (!a.selfIssued)
                    ++intermediates;
            }
        }
    }
    return out;
}

QList<Finding> findingsFor(const QList<Finding>& all, int entry)
{
    QList<Finding> out;
    for (const Finding& f : all)
        if (f.entry == entry)
            out << f;
    return out;
}

} // namespace certrotor
