// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "GuiSettings.h"
#include "audit/AuditLog.h"
#include "probe/ProbePlan.h"
#include "rotation/Workspace.h"
#include "x509/Bundle.h"

#include <QPointer>
#include <QWidget>

#include <memory>

class QAction;
class QTableView;

namespace Ui {
class ProbePanel;
}

namespace certrotor::gui {

class MessageBanner;
class ProbeResultsModel;
class ProbeTargetsModel;

/// The Probe panel: proves a candidate CA bundle against real gRPC servers before it is committed.
/// The operator lists targets, and the panel probes every target with the current trust store, the
/// candidate (the incoming bundle being previewed, or a bundle file) and optionally their union, then
/// shows each result live, the details of one, and the rotation verdict — emitted as planFinished() so
/// the commit step can gate on it.
///
/// Nothing here blocks the GUI thread: bundle files and client identities are read on the thread
/// pool, and ProbePlan is asynchronous. The target list persists in GuiSettings; a client key's
/// passphrase comes from the keyring or is asked for, and is never written anywhere else.
///
/// The layout is ProbePanel.ui; the client identity and its passphrase flow are ClientIdentityBox (over
/// the core's IdentityLoader, shared with `certrotor-cli probe`); the verdict and the target errors are
/// MessageBanners (ProbeVerdictBanner), coloured by UiStyle.
class ProbePanel : public QWidget {
    Q_OBJECT
public:
    /// Errors go to `banner` (the window's); without one the panel shows its own.
    explicit ProbePanel(MessageBanner* banner = nullptr, QWidget* parent = nullptr);
    ~ProbePanel() override;

    /// The trust store in use today (null: none open; then only the candidate is probed).
    void setCurrentBundle(std::shared_ptr<const Bundle> bundle, const QString& label);
    /// The incoming bundle being previewed: the candidate, unless the operator chose a file.
    void setIncomingBundle(std::shared_ptr<const Bundle> bundle, const QString& label);
    /// Reads a bundle file as the candidate, off the GUI thread. A file that cannot be read, has a bad
    /// block or holds no certificate is refused with its located errors in the banner; the candidate
    /// stays as it was (candidateLoadFailed).
    void loadCandidateFile(const QString& path);
    /// Goes back to the incoming bundle as the candidate.
    void useIncomingCandidate();

    /// Where every probe (with its probe id), every run's verdict and every refused candidate file is
    /// recorded; not owned (the window's, or a test's). Null: nothing is recorded. The log is opened
    /// (its key looked up in the keyring) by its owner. A record that cannot be written shows in the banner.
    void setAuditLog(AuditLog* log);
    AuditLog* auditLog() const;
    /// The workspace the panel is a view over: the current store, the candidate, the probe runs and
    /// their audit records live there (not owned; the window's). Until one is set the panel has its own.
    void setWorkspace(Workspace* workspace);
    Workspace* workspace() const { return m_workspace; }

    /// Starts a run and returns at once. False when the input is refused: bad targets show inline
    /// (and nothing starts), a missing candidate or identity file shows in the banner.
    bool run();
    /// Stops a run: running probes end as cancelled, queued ones never start. Its verdict is incomplete.
    void cancel();
    bool isRunning() const { return m_phase != Phase::Idle; }

    /// True once a run has ended, until the inputs change or another run starts.
    bool hasVerdict() const { return m_hasVerdict; }
    /// The verdict of the last completed run (Incomplete before any, during a run, or after the inputs
    /// changed).
    const PlanVerdict& lastVerdict() const { return m_verdict; }

    ProbeTargetsModel* targetsModel() const { return m_targets; }
    /// The default deadline of each probe (the settings' probe timeout).
    void setProbeTimeoutMs(int ms);
    ProbeResultsModel* resultsModel() const { return m_results; }
    QTableView* resultsView() const;
    QTableView* targetsView() const;
    QAction* runAction() const { return m_runAction; }
    QAction* cancelAction() const { return m_cancelAction; }
    MessageBanner* banner() const { return m_banner; }
    /// The details pane's text and the selected result as JSON ("" when no row is selected).
    QString detailsText() const;
    QString selectedResultJson() const;
    QString candidateDescription() const;

Q_SIGNALS:
    void planStarted(int probes);
    /// A run ended (all probes in, or cancelled): the verdict the commit step gates on.
    void planFinished(const certrotor::PlanVerdict& verdict);
    /// The targets, bundles or options changed after a verdict: it no longer says anything.
    void verdictInvalidated();
    void candidateChanged();
    void candidateLoadFailed(const QString& error);

private:
    /// Identity: the client identity is being made ready (loaded, or its passphrase asked for).
    enum class Phase { Idle, Identity, Running };

    void setUpUi();
    void addTarget();
    void removeSelectedTargets();
    void showTargetErrors(const QStringList& errors);
    void updateTargetErrors();
    void saveTargets();
    void updateBundleLabels();
    void chooseCandidateFile();
    void startPlan(const ClientIdentity& identity);
    void onProbeFinished(const ProbeResult& result);
    void onPlanFinished();
    void endRun();
    void showVerdict(const PlanVerdict& verdict);
    void invalidateVerdict();
    void showSelectedDetails();
    void fail(const QString& message);
    void setPhase(Phase phase);

    std::unique_ptr<Ui::ProbePanel> m_ui; // the layout (ProbePanel.ui): fields, strips, tables
    GuiSettings m_settings;
    MessageBanner* m_banner = nullptr;
    ProbeTargetsModel* m_targets = nullptr;
    ProbeResultsModel* m_results = nullptr;

    QPointer<Workspace> m_workspace;
    Workspace* m_ownWorkspace = nullptr; // until the window hands in its own
    QString m_loadingFile; // the file being read, if any

    Phase m_phase = Phase::Idle;
    QList<ProbeTarget> m_runTargets;
    QList<PlanBundle> m_runBundles;
    QPointer<ProbePlan> m_plan;
    bool m_inputsChangedDuringRun = false;

    bool m_hasVerdict = false;
    PlanVerdict m_verdict;

    QAction* m_runAction = nullptr;
    QAction* m_cancelAction = nullptr;
};

} // namespace certrotor::gui
