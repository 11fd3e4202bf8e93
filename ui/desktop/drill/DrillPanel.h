// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "drill/Drill.h"

#include <QWidget>

#include <memory>

class QCheckBox;
class QLabel;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QTabWidget;
class QTableView;

namespace certrotor::gui {

class DrillStepsModel;
class MessageBanner;

/// The Drill tab: a view over drill::Drill. Shows every step before it runs (what must happen), walks
/// them with the operator (with "pause after each step", Next runs the following one), fills in what
/// happened and the verdict as each ends, and leaves the report (the sandbox is kept, with report.md and
/// report.json in it). Closing the panel (the window) stops the drill and every helper it started.
class DrillPanel : public QWidget {
    Q_OBJECT
public:
    explicit DrillPanel(MessageBanner* banner = nullptr, QWidget* parent = nullptr);
    ~DrillPanel() override;

    /// Where the next drill builds its sandbox ("" = a new temporary directory); must be new or empty.
    void setSandboxDir(const QString& dir) { m_sandboxDir = dir; }
    void setHelperDir(const QString& dir) { m_helperDir = dir; }
    void setPauseBetweenSteps(bool pause);
    void setKube(bool kube);

    /// Starts a drill (false, with the reason in the banner, when one runs).
    bool start();
    /// Runs the next step when the drill waits for the operator.
    void proceed();
    void cancel();
    /// Stops now: the drill is cancelled and its helpers killed (the window closes).
    void stop();
    /// Shows the report a kept sandbox holds (report.json, read off the GUI thread), without running
    /// anything; then savedReportShown().
    void showSavedReport(const QString& dir);

    drill::Drill* drill() const { return m_drill.get(); }
    bool isRunning() const { return m_drill && m_drill->isRunning(); }
    DrillStepsModel* model() const { return m_model; }
    QTableView* stepsView() const { return m_view; }
    QString detailsText() const; // the selected step
    QString reportText() const; // the report, once the drill ended
    QString statusText() const;
    const drill::Report& lastReport() const { return m_report; }
    QPushButton* startButton() const { return m_start; }
    QPushButton* nextButton() const { return m_next; }
    QPushButton* cancelButton() const { return m_cancel; }

Q_SIGNALS:
    void finished(const certrotor::drill::Report& report);
    void savedReportShown(bool found);

private:
    void buildUi();
    void showStep(int row);
    void onFinished(const drill::Report& report);
    void updateButtons();

    MessageBanner* m_banner = nullptr;
    QString m_sandboxDir, m_helperDir;
    std::unique_ptr<drill::Drill> m_drill;
    drill::Report m_report;

    QCheckBox* m_pause = nullptr;
    QCheckBox* m_kube = nullptr;
    QPushButton* m_start = nullptr;
    QPushButton* m_next = nullptr;
    QPushButton* m_cancel = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_status = nullptr;
    DrillStepsModel* m_model = nullptr;
    QTableView* m_view = nullptr;
    QTabWidget* m_pages = nullptr;
    QPlainTextEdit* m_details = nullptr;
    QPlainTextEdit* m_reportEdit = nullptr;
};

} // namespace certrotor::gui
