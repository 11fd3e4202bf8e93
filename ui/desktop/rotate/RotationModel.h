// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "rotation/RotationState.h"

#include <QAbstractTableModel>
#include <QHash>

namespace certrotor::gui {

/// One row per destination of a rotation (grouped by wave: rows are in wave order): where it stands, the
/// last verdict, the time to trust of its slowest target and what went wrong last (a conflict, a refusal).
/// A view over rotation::RotationState; refreshed whole on every stateChanged() (a rotation has a handful
/// of destinations).
class RotationModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        WaveColumn,
        DestinationColumn,
        PhaseColumn,
        ConfirmedColumn,
        VerdictColumn,
        TimeToTrustColumn,
        ProblemColumn,
        ColumnCount
    };
    enum Role { DestinationIdRole = Qt::UserRole + 1, WaveRole };

    explicit RotationModel(QObject* parent = nullptr);

    /// `waveLabels`: wave number → "1 (canary)". `problems`: destination id → the last operation's failure.
    void setState(const rotation::RotationState& state, const QHash<int, QString>& waveLabels,
                  const QHash<QString, QString>& problems);
    void clear();
    const rotation::DestinationState* destinationAt(int row) const;
    int rowOf(const QString& destinationId) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    /// "overlap (old + new)", "retired (new only)", … for the views.
    static QString phaseText(rotation::Phase phase);
    /// The slowest target's time to trust in ms (-1: none measured).
    static double timeToTrustMs(const rotation::DestinationState& d);

private:
    QList<rotation::DestinationState> m_rows;
    QHash<int, QString> m_waveLabels;
    QHash<QString, QString> m_problems;
};

/// The targets of one destination during and after a confirmation: verified or not, which side of the
/// rotation anchors the chain each serves now, the time to trust, attempts and the last error. Updated
/// live from Rotation::targetUpdated().
class TargetStatusModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        TargetColumn,
        StatusColumn,
        AnchorColumn,
        TimeToTrustColumn,
        AttemptsColumn,
        ErrorColumn,
        ColumnCount
    };

    explicit TargetStatusModel(QObject* parent = nullptr);

    void setTargets(const QStringList& targets, const QList<rotation::TargetStatus>& statuses);
    /// Replaces the row of `status.target` (appends a target not listed).
    void update(const rotation::TargetStatus& status);
    const rotation::TargetStatus* statusAt(int row) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    /// "old CA (Old Root CA)", "new CA (…)", "kept CA", "—".
    static QString anchorText(const rotation::TargetStatus& status);

private:
    QList<rotation::TargetStatus> m_rows;
};

} // namespace certrotor::gui
