// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "rotation/Rotation.h"

#include <QPointer>
#include <QWidget>

#include <functional>

class QComboBox;
class QLabel;
class QListWidget;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QTableView;
class QTableWidget;

namespace certrotor {
class Workspace;
}

namespace certrotor::gui {

class MessageBanner;
class RotationModel;
class TargetStatusModel;

/// The Rotate tab: a view over one rotation::Rotation (the core owns the workflow, the policy and the
/// audit). Stage the workspace's candidate into destinations (files or Secrets, in waves), dry run with the
/// byte diff per destination, commit the overlap (or replace), confirm with live progress per target
/// (which CA anchors each target's chain now), retire, roll back. Every action is enabled exactly as
/// Rotation::allowed() says, with the core's reason next to anything disabled; a policy refusal can be
/// overridden only with a typed reason; a conflict (the destination changed since staging) shows what
/// changed and offers to re-stage. An open rotation left by an earlier run is picked up (resumeOpen()).
class RotatePanel : public QWidget {
    Q_OBJECT
public:
    struct Options {
        int probeTimeoutMs = 5000;
        int confirmDeadlineMs = 180000;
        int confirmInitialBackoffMs = 250;
        int confirmMaxBackoffMs = 5000;
        int backupsKept = 5;
        QString stateDir; // "" = RotationState::stateDir()
    };

    explicit RotatePanel(MessageBanner* banner = nullptr, QWidget* parent = nullptr);
    ~RotatePanel() override;

    void setWorkspace(Workspace* workspace);
    void setOptions(const Options& options) { m_options = options; }
    const Options& options() const { return m_options; }
    /// Where targets come from for a destination row that names none (the Probe tab's targets).
    void setDefaultTargets(std::function<QStringList()> provider) { m_defaultTargets = std::move(provider); }
    /// Where a new destination row starts (the current store).
    void setDefaultDestination(std::function<QString()> provider) { m_defaultDestination = std::move(provider); }

    /// The destination editor's rows (targets as "HOST:PORT[;servername=NAME]", comma separated in the cell).
    void setDestinations(const QList<rotation::Rotation::DestinationSpec>& destinations);
    QList<rotation::Rotation::DestinationSpec> destinations() const;
    void setMode(rotation::Rotation::Mode mode);

    /// Stages (or dry-runs) the workspace's candidate into the editor's destinations. False, with the reason
    /// in the banner, when it cannot start (no candidate, no destination, a step running).
    bool stage(bool dryRun = false);
    /// The Incoming tab's one action: a row for the current store if the editor has none, then stage.
    bool stageIncoming();
    void commitNextWave();
    void confirm();
    void retire();
    void rollback();
    void cancel();
    void discard();
    /// Runs the refused operation again with `reason` as the override (the dialog's path; tests call it).
    void overrideWith(const QString& reason);
    /// Re-stages after a conflict: the rotation (nothing committed) is discarded and the same request staged.
    void restage();
    /// Picks up the open rotations of the state directory (through the workspace: the files are read
    /// off the GUI thread); shows the newest, then emits resumed().
    void resumeOpen();

    rotation::Rotation* rotation() const { return m_rotation; }
    bool isBusy() const;
    RotationModel* model() const { return m_model; }
    TargetStatusModel* targetsModel() const { return m_targetsModel; }
    QTableView* rotationView() const { return m_view; }
    const rotation::Outcome& lastOutcome() const { return m_lastOutcome; }
    QString diffText() const;
    QString conflictText() const;
    bool conflictShown() const;
    QString resultText() const;
    QPushButton* button(const QString& action) const; // "stage", "dryRun", "commit", "confirm", "retire", "rollback",
                                                      // "cancel", "discard", "override", "restage"
    QString reasonFor(const QString& action) const; // the label beside a disabled action

Q_SIGNALS:
    void operationFinished(const certrotor::rotation::Outcome& outcome);
    /// Opened the override dialog (tests fill it).
    void reasonRequested(QDialog* dialog);
    /// resumeOpen() is done: the newest open rotation (if any) is shown.
    void resumed();

private:
    void buildUi();
    rotation::Rotation::Settings rotationSettings() const;
    rotation::Rotation* makeRotation();
    void adopt(rotation::Rotation* rotation);
    void pickUpResumed(const QStringList& problems);
    void run(const QString& operation, std::function<void()> start);
    void onFinished(const rotation::Outcome& outcome);
    void refresh();
    void refreshTargets();
    void refreshDiff();
    void updateActions();
    int nextWave() const;
    QString selectedDestination() const;
    void askOverride();
    void addDestinationRow(const QString& spec, const QString& targets, int wave);
    void log(const QString& line);

    MessageBanner* m_banner = nullptr;
    QPointer<Workspace> m_workspace;
    Options m_options;
    std::function<QStringList()> m_defaultTargets;
    std::function<QString()> m_defaultDestination;
    QPointer<rotation::Rotation> m_rotation; // the rotation shown
    rotation::Rotation* m_preview = nullptr; // the last dry run's (owned)
    rotation::Rotation::Request m_lastRequest;
    QString m_lastOperation;
    std::function<void()> m_retry; // the last refused operation, for an override
    rotation::Outcome m_lastOutcome;
    QHash<QString, QString> m_problems;

    QLabel* m_candidateLabel = nullptr;
    QComboBox* m_mode = nullptr;
    QTableWidget* m_destinations = nullptr;
    QLabel* m_rotationLabel = nullptr;
    RotationModel* m_model = nullptr;
    QTableView* m_view = nullptr;
    TargetStatusModel* m_targetsModel = nullptr;
    QTableView* m_targetsView = nullptr;
    QPlainTextEdit* m_diff = nullptr;
    QHash<QString, QPushButton*> m_buttons;
    QHash<QString, QLabel*> m_reasons;
    QWidget* m_conflict = nullptr;
    QLabel* m_conflictLabel = nullptr;
    QLabel* m_result = nullptr;
    QProgressBar* m_busy = nullptr;
    QListWidget* m_log = nullptr;
};

} // namespace certrotor::gui
