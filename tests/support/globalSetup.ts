/** Runs once before all suites: migrate the test database (concurrent migrations would race). */
import { connectDatabase, migrateDatabase } from '../../lib/db';

export default async function globalSetup(): Promise<void> {
  if (!process.env.DATABASE_URL) return; // unit-only runs need no database
  const database = connectDatabase(process.env.DATABASE_URL);
  try {
    await migrateDatabase(database);
  } finally {
    await database.close();
  }
}
