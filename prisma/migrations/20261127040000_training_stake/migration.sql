-- AlterTable
ALTER TABLE "TrainingSubmission" ADD COLUMN "stakeHash" CHAR(64),
ADD COLUMN "stakeOutcome" TEXT;
