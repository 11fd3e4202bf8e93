// SPDX-License-Identifier: GPL-3.0-or-later
#include "x509/CertificateJson.h"

#include "util/Clock.h"
#include "x509/Der.h"

namespace certrotor::json {

namespace {

QJsonArray strings(const QStringList& list)
{
    return QJsonArray::fromStringList(list);
}

QJsonArray certificateList(const QList<Certificate>& certs, qint64 now)
{
    QJsonArray out;
    for (const Certificate& c : certs)
        out.append(certificate(c, now));
    return out;
}

} // namespace

QJsonObject certificate(const Certificate& cert, qint64 now)
{
    const CertificateInfo& i = cert.info();
    QJsonObject o;
    o[QLatin1String("subject")] = i.subject.rfc4514;
    o[QLatin1String("subjectCN")] = i.subject.commonName;
    o[QLatin1String("issuer")] = i.issuer.rfc4514;
    o[QLatin1String("issuerCN")] = i.issuer.commonName;
    o[QLatin1String("version")] = i.version;
    o[QLatin1String("serial")] = i.serialHex;
    o[QLatin1String("notBefore")] = isoUtc(i.notBefore);
    o[QLatin1String("notAfter")] = isoUtc(i.notAfter);
    o[QLatin1String("daysLeft")] = daysUntil(now, i.notAfter);
    o[QLatin1String("keyAlgorithm")] = i.keyAlgorithm;
    o[QLatin1String("keyBits")] = i.keyBits;
    if (!i.curve.isEmpty())
        o[QLatin1String("curve")] = i.curve;
    o[QLatin1String("key")] = i.keyDescription();
    o[QLatin1String("signatureAlgorithm")] = i.signatureAlgorithm;
    o[QLatin1String("sha256")] = i.sha256Hex();
    o[QLatin1String("sha1")] = i.sha1Hex();
    o[QLatin1String("spkiSha256")] = i.spkiPin();
    o[QLatin1String("isCA")] = i.isCA;
    o[QLatin1String("pathLen")] = i.pathLen >= 0 ? QJsonValue(i.pathLen) : QJsonValue();
    o[QLatin1String("keyUsage")] = strings(i.keyUsage());
    o[QLatin1String("extendedKeyUsage")] = strings(i.extendedKeyUsage);
    o[QLatin1String("ski")] = i.subjectKeyId.isEmpty() ? QJsonValue() : QJsonValue(der::hex(i.subjectKeyId, true));
    o[QLatin1String("aki")] = i.authorityKeyId.isEmpty() ? QJsonValue() : QJsonValue(der::hex(i.authorityKeyId, true));
    o[QLatin1String("sans")] = strings(i.subjectAltNames);
    o[QLatin1String("crlDistributionPoints")] = strings(i.crlDistributionPoints);
    o[QLatin1String("ocsp")] = strings(i.ocspUrls);
    o[QLatin1String("caIssuers")] = strings(i.caIssuersUrls);
    QJsonObject nc;
    nc[QLatin1String("permitted")] = strings(i.permittedSubtrees);
    nc[QLatin1String("excluded")] = strings(i.excludedSubtrees);
    o[QLatin1String("nameConstraints")] = nc;
    o[QLatin1String("selfSigned")] = i.selfSigned;
    if (!i.unknownCriticalExtensions.isEmpty())
        o[QLatin1String("unknownCriticalExtensions")] = strings(i.unknownCriticalExtensions);
    return o;
}

QJsonObject certificate(const BundleEntry& entry, qint64 now, const QList<Finding>& findings)
{
    QJsonObject o = certificate(entry.certificate, now);
    QJsonArray f;
    for (const Finding& one : findings)
        f.append(finding(one));
    o[QLatin1String("findings")] = f;
    o[QLatin1String("source")] = source(entry.source);
    return o;
}

QJsonObject source(const SourceLocation& where)
{
    QJsonObject o;
    o[QLatin1String("file")] = where.file;
    o[QLatin1String("block")] = where.block;
    o[QLatin1String("line")] = where.line;
    if (where.item > 0)
        o[QLatin1String("item")] = where.item;
    return o;
}

QJsonObject finding(const Finding& f)
{
    QJsonObject o;
    o[QLatin1String("severity")] = Finding::severityName(f.severity);
    o[QLatin1String("code")] = f.code;
    o[QLatin1String("message")] = f.message;
    return o;
}

QJsonObject issue(const ParseIssue& issue)
{
    QJsonObject o;
    o[QLatin1String("severity")] =
        issue.severity == ParseIssue::Severity::Error ? QStringLiteral("error") : QStringLiteral("warning");
    o[QLatin1String("message")] = issue.message;
    o[QLatin1String("source")] = source(issue.where);
    o[QLatin1String("text")] = issue.text();
    return o;
}

QJsonObject diff(const BundleDiff& d)
{
    const qint64 now = Clock::system().nowSecs();
    QJsonObject o;
    o[QLatin1String("added")] = certificateList(d.added, now);
    o[QLatin1String("removed")] = certificateList(d.removed, now);
    o[QLatin1String("kept")] = certificateList(d.kept, now);
    QJsonArray renewed;
    for (const auto& pair : d.renewed) {
        QJsonObject r;
        r[QLatin1String("old")] = pair.first.info().sha256Hex();
        r[QLatin1String("new")] = pair.second.info().sha256Hex();
        r[QLatin1String("subject")] = pair.second.info().subject.rfc4514;
        renewed.append(r);
    }
    o[QLatin1String("renewed")] = renewed;
    return o;
}

QJsonObject verifyError(const VerifyError& e)
{
    QJsonObject o;
    o[QLatin1String("depth")] = e.depth;
    o[QLatin1String("code")] = e.code;
    o[QLatin1String("name")] = e.name;
    o[QLatin1String("message")] = e.message;
    o[QLatin1String("subject")] = e.subject;
    o[QLatin1String("sha256")] = e.sha256;
    return o;
}

} // namespace certrotor::json
