// SPDX-License-Identifier: GPL-3.0-or-later
#include <QTest>
class TestAuditKeyring : public QObject { Q_OBJECT };
QTEST_GUILESS_MAIN(TestAuditKeyring)
#include "TestAuditKeyring.moc"
