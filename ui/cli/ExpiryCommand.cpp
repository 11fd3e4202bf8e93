// SPDX-License-Identifier: GPL-3.0-or-later
#include "ExpiryCommand.h"

#include "CliCommon.h"
#include "kube/KubeObjectRef.h"
#include "rotation/Destination.h"
#include "util/AtomicFile.h"
#include "util/Clock.h"
#include "x509/ExpiryExport.h"

#include <QCommandLineParser>
#include <QEventLoop>
#include <QLoggingCategory>

#include <algorithm>
#include <cstdio>

using namespace Qt::StringLiterals;

namespace certrotor::cli {

namespace {

const char* const kExpiryUsage =
    R"(Usage: certrotor-cli expiry [--within DAYS] [--format ics|prometheus|json] [--warn-days N] [--at DATE]
                            [-o FILE] BUNDLE|DIR|secret://…#KEY|configmap://…#KEY...

Every certificate's expiry, in the formats operators already plug into:
  ics         an iCalendar file (RFC 5545): one event per expiry, with an alarm --warn-days before it, for the
              team calendar
  prometheus  the Prometheus text format for node_exporter's textfile collector:
              certrotor_certificate_not_after_timestamp_seconds and certrotor_certificate_days_left, labelled
              by subject, sha256 and source (alert on days_left < 30)
  json        one object per certificate (default)
  --within DAYS   only certificates that expire within DAYS (expired ones included)
  --warn-days N   the calendar alarm, N days before (default 30)
  --at DATE       evaluate at DATE instead of now (ISO 8601)
  -o FILE         write FILE atomically (a textfile collector never reads half a file) instead of stdout
Secrets and ConfigMaps are read once through the kubeconfig, as the watch reads them.
Exit codes: 0 written; 2 usage error, unreadable input or a bundle with unreadable blocks.
Examples:
  certrotor-cli expiry --format prometheus -o /var/lib/prometheus/node-exporter/certrotor.prom /etc/grpc/ca.pem
  certrotor-cli expiry --format ics --warn-days 45 secret://prod/payments/grpc-ca#ca.crt > ca-expiry.ics
  certrotor-cli expiry --within 90 /etc/ssl/certs
)";

/// A Secret's or ConfigMap's key, read once (the rotation's committer reads exactly like this).
Result<QByteArray> readKube(const QString& spec)
{
    Result<rotation::Destination> d = rotation::Destination::parse(spec);
    if (!d.ok())
        return d.error();
    Result<std::unique_ptr<rotation::Committer>> reader = rotation::Committer::create(d.value(), {});
    if (!reader.ok())
        return reader.error();
    Result<rotation::DestinationContent> content = Error { {}, {} };
    QEventLoop loop;
    reader.value()->read([&](Result<rotation::DestinationContent> r) {
        content = std::move(r);
        loop.quit();
    });
    loop.exec();
    if (!content.ok())
        return content.error();
    return content.value().bytes;
}

} // namespace

int expiry(const QStringList& args)
{
    QCommandLineParser parser;
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    parser.addOption({ u"format"_s, u"ics, prometheus or json"_s, u"FORMAT"_s, u"json"_s });
    parser.addOption({ u"within"_s, u"Only expiries within DAYS"_s, u"DAYS"_s });
    parser.addOption({ u"warn-days"_s, u"Alarm N days before"_s, u"N"_s, u"30"_s });
    parser.addOption({ u"at"_s, u"Evaluate at DATE"_s, u"DATE"_s });
    parser.addOption({ u"o"_s, u"Output file"_s, u"FILE"_s });
    parser.addOption({ { u"h"_s, u"help"_s }, u"Show help"_s });
    if (!parser.parse(args))
        return usageError(u"expiry: "_s + parser.errorText());
    if (parser.isSet(u"help"_s)) {
        out() << kExpiryUsage;
        out().flush();
        return ExitOk;
    }
    const QString format = parser.value(u"format"_s);
    if (format != u"ics"_s && format != u"prometheus"_s && format != u"json"_s)
        return usageError(u"expiry: --format is ics, prometheus or json, not '%1'"_s.arg(format));
    bool ok = false;
    const int warnDays = parser.value(u"warn-days"_s).toInt(&ok);
    if (!ok || warnDays < 0 || warnDays > 3650)
        return usageError(u"expiry: --warn-days takes days from 0 to 3650"_s);
    int within = -1;
    if (parser.isSet(u"within"_s)) {
        within = parser.value(u"within"_s).toInt(&ok);
        if (!ok || within < 0)
            return usageError(u"expiry: --within takes a whole number of days"_s);
    }
    qint64 now = Clock::system().nowSecs();
    if (parser.isSet(u"at"_s) && !parseDate(parser.value(u"at"_s), now))
        return usageError(u"expiry: --at: '%1' is not an ISO 8601 date"_s.arg(parser.value(u"at"_s)));
    const QStringList inputs = parser.positionalArguments();
    if (inputs.isEmpty())
        return usageError(u"expiry: name at least one bundle, directory, secret://… or configmap://…"_s);
    QLoggingCategory::setFilterRules(u"certrotor.kube.info=false"_s);

    QList<ExpiryItem> items;
    bool bad = false;
    for (const QString& input : inputs) {
        QList<Bundle> bundles;
        if (kube::KubeObjectRef::looksLike(input)) {
            Result<QByteArray> bytes = readKube(input);
            if (!bytes.ok()) {
                err() << "certrotor-cli: expiry: " << bytes.error().text() << "\n";
                bad = true;
                continue;
            }
            bundles << parseBundle(bytes.value(), input);
        } else if (!loadAll({ input }, bundles)) {
            bad = true;
            continue;
        }
        for (const Bundle& b : std::as_const(bundles)) {
            bad |= reportIssues(b);
            for (const BundleEntry& e : b.entries)
                items << ExpiryItem { e.certificate, input };
        }
    }
    if (bad) {
        err() << "certrotor-cli: expiry: not exporting part of the input: fix the errors above\n";
        err().flush();
        return ExitUsage;
    }
    if (within >= 0) {
        items.erase(std::remove_if(items.begin(), items.end(),
                                   [&](const ExpiryItem& i) {
                                       return i.certificate.info().notAfter > now + qint64(within) * 86400;
                                   }),
                    items.end());
    }
    std::stable_sort(items.begin(), items.end(), [](const ExpiryItem& a, const ExpiryItem& b) {
        return a.certificate.info().notAfter < b.certificate.info().notAfter;
    });
    const QByteArray bytes = format == u"ics"_s ? expiry::ics(items, now, warnDays)
        : format == u"prometheus"_s             ? expiry::prometheus(items, now)
                                                : expiry::json(items, now);
    if (parser.isSet(u"o"_s)) {
        Result<std::monostate> written = atomicWriteFile(parser.value(u"o"_s), bytes, 0644);
        if (!written.ok()) {
            err() << "certrotor-cli: expiry: " << written.error().text() << "\n";
            err().flush();
            return ExitUsage;
        }
        return ExitOk;
    }
    out().flush();
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stdout);
    std::fflush(stdout);
    return ExitOk;
}

} // namespace certrotor::cli
