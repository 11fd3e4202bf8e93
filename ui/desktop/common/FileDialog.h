// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>
#include <QStringList>

class QWidget;

namespace certrotor::gui {

/// The one door to file dialogs, so tests can pre-answer them (as KeePassXC's FileDialog does):
/// setNextFileName() makes the next call return that name without showing anything.
class FileDialog {
public:
    static FileDialog* instance();

    QString getOpenFileName(QWidget* parent, const QString& caption, const QString& filter = {});
    QString getExistingDirectory(QWidget* parent, const QString& caption);
    QString getSaveFileName(QWidget* parent, const QString& caption, const QString& filter = {});

    /// The next dialog returns `name` at once (an empty string = the user cancelled).
    void setNextFileName(const QString& name);

private:
    FileDialog() = default;
    bool takeNext(QString& name);

    bool m_hasNext = false;
    QString m_next;
    QString m_lastDir;
};

} // namespace certrotor::gui
