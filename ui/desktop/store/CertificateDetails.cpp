// SPDX-License-Identifier: GPL-3.0-or-later
#include "CertificateDetails.h"

#include "util/Clock.h"
#include "x509/Chain.h"

#include <QDateTime>

namespace certrotor::gui {

namespace {

QString hexColons(const QByteArray& raw)
{
    return QString::fromLatin1(raw.toHex(':')).toUpper();
}

void row(QString& html, const QString& name, const QString& value)
{
    if (value.isEmpty())
        return;
    html += QStringLiteral("<tr><td valign='top'><b>") + name.toHtmlEscaped() + QStringLiteral("</b></td><td>")
        + value.toHtmlEscaped() + QStringLiteral("</td></tr>");
}

QString when(qint64 secs, qint64 now)
{
    const qint64 days = daysUntil(now, secs);
    return isoUtc(secs) + QStringLiteral("  (")
        + (days < 0 ? QStringLiteral("%1 days ago").arg(-days) : QStringLiteral("in %1 days").arg(days))
        + QLatin1Char(')');
}

} // namespace

QString certificateDetailsHtml(const Bundle& bundle, int entry, const QList<Finding>& findings, qint64 now)
{
    if (entry < 0 || entry >= bundle.entries.size())
        return {};
    const BundleEntry& e = bundle.entries.at(entry);
    const CertificateInfo& i = e.certificate.info();
    QString html = QStringLiteral("<h3>")
        + (i.subject.commonName.isEmpty() ? i.subject.rfc4514 : i.subject.commonName).toHtmlEscaped()
        + QStringLiteral("</h3><table cellspacing='2' cellpadding='2'>");
    row(html, QStringLiteral("Subject"), i.subject.rfc4514);
    row(html, QStringLiteral("Issuer"), i.issuer.rfc4514);
    row(html, QStringLiteral("Serial"), i.serialHex);
    row(html, QStringLiteral("Version"), QString::number(i.version));
    row(html, QStringLiteral("Not before"), when(i.notBefore, now));
    row(html, QStringLiteral("Not after"), when(i.notAfter, now));
    row(html, QStringLiteral("Key"), i.keyDescription());
    row(html, QStringLiteral("Signature"), i.signatureAlgorithm);
    row(html, QStringLiteral("CA"),
        !i.hasBasicConstraints ? QStringLiteral("no basicConstraints")
            : i.isCA ? (i.pathLen >= 0 ? QStringLiteral("yes, pathlen %1").arg(i.pathLen) : QStringLiteral("yes"))
                     : QStringLiteral("no"));
    row(html, QStringLiteral("Key usage"),
        i.hasKeyUsage ? i.keyUsage().join(QStringLiteral(", ")) : QStringLiteral("(absent)"));
    row(html, QStringLiteral("Extended key usage"), i.extendedKeyUsage.join(QStringLiteral(", ")));
    row(html, QStringLiteral("Subject alt names"), i.subjectAltNames.join(QStringLiteral(", ")));
    row(html, QStringLiteral("Subject key id"), hexColons(i.subjectKeyId));
    row(html, QStringLiteral("Authority key id"), hexColons(i.authorityKeyId));
    row(html, QStringLiteral("Permitted subtrees"), i.permittedSubtrees.join(QStringLiteral(", ")));
    row(html, QStringLiteral("Excluded subtrees"), i.excludedSubtrees.join(QStringLiteral(", ")));
    row(html, QStringLiteral("CRL distribution"), i.crlDistributionPoints.join(QStringLiteral(", ")));
    row(html, QStringLiteral("OCSP"), i.ocspUrls.join(QStringLiteral(", ")));
    row(html, QStringLiteral("CA issuers"), i.caIssuersUrls.join(QStringLiteral(", ")));
    row(html, QStringLiteral("Unknown critical extensions"), i.unknownCriticalExtensions.join(QStringLiteral(", ")));
    row(html, QStringLiteral("SHA-256"), hexColons(i.sha256));
    row(html, QStringLiteral("SHA-1"), hexColons(i.sha1));
    row(html, QStringLiteral("SPKI pin (SHA-256)"), i.spkiPin());
    row(html, QStringLiteral("From"), e.source.text());
    html += QStringLiteral("</table>");

    QString found;
    for (const Finding& f : findings) {
        if (f.entry == entry)
            found += QStringLiteral("<li><b>") + Finding::severityName(f.severity).toHtmlEscaped()
                + QStringLiteral("</b> ") + f.code.toHtmlEscaped() + QStringLiteral(": ") + f.message.toHtmlEscaped()
                + QStringLiteral("</li>");
    }
    html += QStringLiteral("<h4>Findings</h4>")
        + (found.isEmpty() ? QStringLiteral("<p>none</p>") : QStringLiteral("<ul>") + found + QStringLiteral("</ul>"));

    // The chain within this bundle. Building an index over a 10,000 bundle for one click is cheap
    // next to parsing (a hash by subject), and keeps the model free of per-row chain state.
    const IssuerIndex index(bundle.certificates());
    const QList<int> chain = index.chainFor(entry);
    html += QStringLiteral("<h4>Chain in this bundle</h4><ol>");
    for (int c : chain) {
        const CertificateInfo& ci = index.pool().at(c).info();
        html += QStringLiteral("<li>")
            + (ci.subject.commonName.isEmpty() ? ci.subject.rfc4514 : ci.subject.commonName).toHtmlEscaped()
            + (ci.selfIssued ? QStringLiteral(" (self-issued)") : QString()) + QStringLiteral("</li>");
    }
    html += QStringLiteral("</ol>");
    const CertificateInfo& last = index.pool().at(chain.isEmpty() ? entry : chain.last()).info();
    if (!last.selfIssued)
        html += QStringLiteral("<p>The issuer of the last certificate (") + last.issuer.rfc4514.toHtmlEscaped()
            + QStringLiteral(") is not in this bundle.</p>");
    return html;
}

} // namespace certrotor::gui
