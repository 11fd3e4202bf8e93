// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "probe/ProbeResult.h"

#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>

namespace certrotor {

class GrpcProbe;

/// A bundle a plan probes with, and its part in the rotation.
struct PlanBundle
{
    enum class Role { Current, Candidate };
    QString name; // "current", "candidate", "overlap", ...
    Role role = Role::Candidate;
    QList<Certificate> certificates;
};

/// What the rotation needs to know from a plan's results.
struct PlanVerdict
{
    enum class Kind {
        CandidateWorks, // every candidate bundle passes at every target
        OverlapWorks, // the candidate passes everywhere, including servers the current bundle fails on
        CandidateFails, // a candidate bundle fails somewhere (details say where and why)
        Incomplete, // nothing to judge: no targets, no bundles, or probes still missing
    };
    Kind kind = Kind::Incomplete;
    QString text; // one sentence for the operator
    QStringList details; // one line per failing probe

    bool passed() const { return kind == Kind::CandidateWorks || kind == Kind::OverlapWorks; }
    static QString kindName(Kind kind); // "candidate-works", "overlap-works", "candidate-fails", "incomplete"
};

/// The verdict for results of targets x bundles (results in any order; matched by address and bundle
/// name). When no bundle has the Candidate role, the last bundle is the candidate.
PlanVerdict judgePlan(const QList<ProbeTarget>& targets, const QList<PlanBundle>& bundles,
                      const QList<ProbeResult>& results);

/// One probe per target x bundle, all in parallel (up to maxParallel at a time), each with its own
/// fresh connection. Emits probeFinished for each result as it arrives and finished once all are in.
class ProbePlan : public QObject
{
    Q_OBJECT
public:
    struct Settings
    {
        int timeoutMs = 5000;
        bool useSystemCas = false;
        ClientIdentity clientIdentity;
        bool sendClientCertificateHeader = false;
        int maxParallel = 64;
    };

    ProbePlan(QList<ProbeTarget> targets, QList<PlanBundle> bundles, Settings settings, QObject* parent = nullptr);
    ~ProbePlan() override;

    void start();
    void cancel();

    bool isFinished() const { return m_finished; }
    /// Bundle-major: results()[b * targets + t]; a slot not yet filled has an empty probeId.
    const QList<ProbeResult>& results() const { return m_results; }
    PlanVerdict verdict() const { return judgePlan(m_targets, m_bundles, m_results); }
    int probeCount() const { return int(m_targets.size() * m_bundles.size()); }

Q_SIGNALS:
    void probeFinished(const certrotor::ProbeResult& result);
    void finished();

private:
    void launchMore();

    QList<ProbeTarget> m_targets;
    QList<PlanBundle> m_bundles;
    QList<QList<QSslCertificate>> m_preparedCas; // per bundle, built off the caller's thread by start()
    QStringList m_bundleShas; // per bundle
    Settings m_settings;
    QList<ProbeResult> m_results;
    QList<GrpcProbe*> m_running;
    int m_next = 0;
    int m_done = 0;
    bool m_started = false;
    bool m_finished = false;
};

} // namespace certrotor
