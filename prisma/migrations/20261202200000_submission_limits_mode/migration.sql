-- AlterTable
ALTER TABLE "BountySubmission" ADD COLUMN     "limitsMode" TEXT;
