// SPDX-License-Identifier: GPL-3.0-or-later
#include "ProbePlan.h"

#include "probe/GrpcProbe.h"

#include <QFutureWatcher>
#include <QtConcurrent/QtConcurrentRun>

namespace certrotor {

QString PlanVerdict::kindName(Kind kind)
{
    switch (kind) {
    case Kind::CandidateWorks:
        return QStringLiteral("candidate-works");
    case Kind::OverlapWorks:
        return QStringLiteral("overlap-works");
    case Kind::CandidateFails:
        return QStringLiteral("candidate-fails");
    case Kind::Incomplete:
        return QStringLiteral("incomplete");
    }
    return {};
}

namespace {

const ProbeResult* find(const QList<ProbeResult>& results, const ProbeTarget& t, const QString& bundle)
{
    for (const ProbeResult& r : results) {
        if (!r.probeId.isEmpty() && !r.cancelled && r.bundleName == bundle && r.target.address() == t.address()
            && r.target.serverName == t.serverName && r.target.service == t.service)
            return &r;
    }
    return nullptr;
}

QString shortReason(const ProbeResult& r)
{
    return r.target.address() + QStringLiteral(" (") + ProbeResult::stageName(r.stage) + QStringLiteral(": ") + r.error
        + QLatin1Char(')');
}

} // namespace

PlanVerdict judgePlan(const QList<ProbeTarget>& targets, const QList<PlanBundle>& bundles,
                      const QList<ProbeResult>& results)
{
    PlanVerdict v;
    if (targets.isEmpty() || bundles.isEmpty()) {
        v.text = QStringLiteral("nothing to judge: the plan has no %1").arg(targets.isEmpty() ? QStringLiteral("targets")
                                                                                             : QStringLiteral("bundles"));
        return v;
    }
    QList<const PlanBundle*> candidates, currents;
    for (const PlanBundle& b : bundles)
        (b.role == PlanBundle::Role::Candidate ? candidates : currents) << &b;
    if (candidates.isEmpty()) {
        candidates << currents.takeLast();
    }

    int missing = 0;
    QStringList candidateFailures;
    QList<const ProbeTarget*> failingTargets;
    for (const PlanBundle* b : std::as_const(candidates)) {
        QStringList where;
        for (const ProbeTarget& t : targets) {
            const ProbeResult* r = find(results, t, b->name);
            if (!r) {
                ++missing;
                continue;
            }
            if (!r->ok) {
                where << shortReason(*r);
                v.details << r->summary();
                if (!failingTargets.contains(&t))
                    failingTargets << &t;
            }
        }
        if (!where.isEmpty())
            candidateFailures << QStringLiteral("%1 fails at %2").arg(b->name, where.join(QStringLiteral(", ")));
    }
    if (missing > 0) {
        v.kind = PlanVerdict::Kind::Incomplete;
        v.text = QStringLiteral("%1 candidate probe(s) have no result (still running, or cancelled)").arg(missing);
        return v;
    }

    if (!candidateFailures.isEmpty()) {
        v.kind = PlanVerdict::Kind::CandidateFails;
        v.text = candidateFailures.join(QStringLiteral("; "));
        // Would the rotation break something that works today?
        QStringList worksToday;
        for (const ProbeTarget* t : std::as_const(failingTargets)) {
            for (const PlanBundle* c : std::as_const(currents)) {
                const ProbeResult* r = find(results, *t, c->name);
                if (r && r->ok) {
                    worksToday << t->address();
                    break;
                }
            }
        }
        if (!worksToday.isEmpty())
            v.text += QStringLiteral("; %1 work%2 with the current bundle today, so committing the candidate would "
                                     "break %3")
                          .arg(worksToday.join(QStringLiteral(", ")), worksToday.size() == 1 ? QStringLiteral("s")
                                                                                               : QString(),
                               worksToday.size() == 1 ? QStringLiteral("it") : QStringLiteral("them"));
        return v;
    }

    // The candidate passes everywhere. Which servers does the current bundle already fail on?
    QStringList currentFails;
    for (const PlanBundle* c : std::as_const(currents)) {
        for (const ProbeTarget& t : targets) {
            const ProbeResult* r = find(results, t, c->name);
            if (r && !r->ok)
                currentFails << QStringLiteral("%1 with %2").arg(t.address(), c->name);
        }
    }
    const qsizetype currentProbes = currents.size() * targets.size();
    QStringList names;
    for (const PlanBundle* b : std::as_const(candidates))
        names << b->name;
    if (!currentFails.isEmpty() && currentFails.size() < currentProbes) {
        v.kind = PlanVerdict::Kind::OverlapWorks;
        v.text = QStringLiteral("overlap keeps old and new servers working: %1 works for all %2 target(s), while the "
                                "current bundle fails at %3 (servers already on the new CA)")
                     .arg(names.join(QStringLiteral(", ")))
                     .arg(targets.size())
                     .arg(currentFails.join(QStringLiteral(", ")));
    } else {
        v.kind = PlanVerdict::Kind::CandidateWorks;
        v.text = QStringLiteral("%1 works for every target (%2)")
                     .arg(names.join(QStringLiteral(", ")))
                     .arg(targets.size());
        if (!currentFails.isEmpty())
            v.text += QStringLiteral("; the current bundle fails at every target: all servers already use the new CA");
    }
    return v;
}

ProbePlan::ProbePlan(QList<ProbeTarget> targets, QList<PlanBundle> bundles, Settings settings, QObject* parent)
    : QObject(parent), m_targets(std::move(targets)), m_bundles(std::move(bundles)), m_settings(std::move(settings))
{
    m_results.resize(m_targets.size() * m_bundles.size());
}

ProbePlan::~ProbePlan() = default; // probes are children

void ProbePlan::start()
{
    if (m_started)
        return;
    m_started = true;
    if (probeCount() == 0) {
        m_finished = true;
        QMetaObject::invokeMethod(this, &ProbePlan::finished, Qt::QueuedConnection);
        return;
    }
    // Converting a bundle for Qt parses every certificate with OpenSSL (and, when asked, reads the
    // system store): once per bundle, not per probe, and off the caller's (GUI) thread.
    struct Prepared
    {
        QList<QList<QSslCertificate>> cas;
        QStringList shas;
    };
    const QList<PlanBundle> bundles = m_bundles;
    const bool useSystemCas = m_settings.useSystemCas;
    auto* watcher = new QFutureWatcher<Prepared>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher] {
        m_preparedCas = watcher->result().cas;
        m_bundleShas = watcher->result().shas;
        watcher->deleteLater();
        launchMore(); // launches nothing when cancel() came first
    });
    watcher->setFuture(QtConcurrent::run([bundles, useSystemCas] {
        Prepared p;
        for (const PlanBundle& b : bundles) {
            ProbeOptions o;
            o.bundle = b.certificates;
            o.useSystemCas = useSystemCas;
            p.cas << trustedQtCertificates(o);
            p.shas << bundleSha256(b.certificates);
        }
        return p;
    }));
}

void ProbePlan::launchMore()
{
    const int total = probeCount();
    while (m_next < total && m_running.size() < qMax(1, m_settings.maxParallel)) {
        const int index = m_next++;
        const qsizetype b = index / m_targets.size();
        const qsizetype t = index % m_targets.size();
        ProbeOptions options;
        options.bundleName = m_bundles[b].name;
        options.bundle = m_bundles[b].certificates;
        options.preparedCas = m_preparedCas[b];
        options.preparedBundleSha256 = m_bundleShas[b];
        options.useSystemCas = m_settings.useSystemCas;
        options.timeoutMs = m_settings.timeoutMs;
        options.clientIdentity = m_settings.clientIdentity;
        options.sendClientCertificateHeader = m_settings.sendClientCertificateHeader;
        auto* probe = new GrpcProbe(m_targets[t], options, this);
        m_running << probe;
        connect(probe, &GrpcProbe::finished, this, [this, probe, index](const ProbeResult& r) {
            m_results[index] = r;
            m_running.removeOne(probe);
            probe->deleteLater();
            ++m_done;
            Q_EMIT probeFinished(r);
            if (m_done == probeCount()) {
                m_finished = true;
                Q_EMIT finished();
            } else {
                launchMore();
            }
        });
        probe->start();
    }
}

void ProbePlan::cancel()
{
    // Probes not started yet are dropped; running ones end with "cancelled".
    const int total = probeCount();
    while (m_next < total) {
        const int index = m_next++;
        ProbeResult r;
        r.target = m_targets[index % m_targets.size()];
        r.bundleName = m_bundles[index / m_targets.size()].name;
        r.probeId = QStringLiteral("not-started");
        r.error = QStringLiteral("cancelled before it started");
        r.cancelled = true;
        m_results[index] = r;
        ++m_done;
    }
    const QList<GrpcProbe*> running = m_running;
    for (GrpcProbe* p : running)
        p->cancel();
    if (m_done == total && !m_finished) {
        m_finished = true;
        Q_EMIT finished();
    }
}

} // namespace certrotor
