// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "rotation/IncomingAnalysis.h"

#include <QWidget>

class QLabel;
class QPushButton;
class QSplitter;
class QTableView;
class QTreeWidget;

namespace certrotor::gui {

class DiffModel;
class ExpiryTimeline;

/// The incoming-CA preview: what arrived from which source, its chain tree, its lint findings, the
/// diff against the store (colour-coded) and the expiry timeline with the overlap window.
class IncomingView : public QWidget {
    Q_OBJECT
public:
    explicit IncomingView(QWidget* parent = nullptr);

    void setAnalysis(const IncomingAnalysis& analysis);
    const IncomingAnalysis& analysis() const { return m_analysis; }
    bool hasIncoming() const { return m_analysis.incoming != nullptr; }

    DiffModel* diffModel() const { return m_diffModel; }
    ExpiryTimeline* timeline() const { return m_timeline; }
    QTreeWidget* chainTree() const { return m_chain; }
    QTreeWidget* findingsTree() const { return m_findings; }
    QSplitter* splitter() const { return m_splitter; }
    QString summary() const;
    QPushButton* stageButton() const { return m_stage; }

Q_SIGNALS:
    /// The operator asked to stage the incoming bundle (the Rotate tab takes it).
    void stageRequested();

private:
    void fillChain();
    void fillFindings();

    IncomingAnalysis m_analysis;
    QLabel* m_summary = nullptr;
    QPushButton* m_stage = nullptr;
    QTreeWidget* m_chain = nullptr;
    QTreeWidget* m_findings = nullptr;
    DiffModel* m_diffModel = nullptr;
    QTableView* m_diffView = nullptr;
    ExpiryTimeline* m_timeline = nullptr;
    QSplitter* m_splitter = nullptr;
};

} // namespace certrotor::gui
